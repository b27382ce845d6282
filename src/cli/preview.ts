// `rtmp-push-operator preview -f FILE|DIR|- [-o OUT]`: draws each RtmpPushTask's mix layout as an
// SVG of the output canvas, after the very checks `validate` runs (an invalid spec draws nothing).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KIND } from '../api/v1alpha1/constants.js';
import { drawSvg } from '../preview/draw.js';
import { indexPage, type IndexEntry } from '../preview/index-page.js';
import { buildPreview } from '../preview/scene.js';
import type { CliIo, Command } from './command.js';
import { UsageError, int, str, type CommandSpec } from './flags.js';
import { exitCode, manifestFlags, validateNamedFiles, writeText, type ValidTask, type ValidationReport } from './validate.js';

const spec: CommandSpec = {
  name: 'preview',
  summary: 'Draw the mix layout of RtmpPushTask manifests as SVG pictures of the output canvas.',
  usage: 'rtmp-push-operator preview -f FILE|DIR|- [-f ...] [-o FILE.svg|DIR] [--users N] [--default-appid APPID]',
  flags: [
    ...manifestFlags,
    {
      name: 'output',
      short: 'o',
      type: 'string',
      value: 'OUT',
      description: 'FILE.svg for one task, or a directory: one SVG per task and an index.html. Default: stdout (one task).',
      env: false,
    },
    { name: 'users', type: 'string', value: 'N', description: 'Users to lay out in a layout template (default: the inputs listed, or 4).', env: false },
  ],
  details: [
    'The manifests are checked as `validate` checks them first; problems and warnings go to stderr.',
    'Source pushes and audio-only mixes have no canvas: a one-line text stands for them.',
    'Exit codes: 0 drawn (warnings allowed); 1 a resource is invalid, nothing drawn; 2 usage error, unreadable file or YAML syntax error.',
  ].join('\n'),
};

export const previewCommand: Command = {
  spec,
  async run(args, io) {
    const users = int(args.values, 'users', { min: 1, max: 100 });
    const out = str(args.values, 'output');

    const tasks: ValidTask[] = [];
    const report = await validateNamedFiles('preview', args, io, (t) => tasks.push(t));
    // stdout may be the picture: the validation report always goes to stderr.
    writeText(report, { ...io, stdout: io.stderr });
    const code = exitCode(report);
    if (code !== 0) return code;
    if (tasks.length === 0) throw new UsageError(`preview: no ${KIND} found in the files given`);

    const drawn = tasks.map((t) => draw(t, report, users));
    if (out === undefined || out.endsWith('.svg')) {
      const [only, ...more] = drawn;
      if (only === undefined || more.length > 0)
        throw new UsageError(`preview: ${drawn.length} ${KIND}s to draw: write them into a directory with -o DIR`);
      if (only.svg === undefined || out === undefined) {
        io.stdout.write(only.svg ?? `${only.entry.line ?? ''}\n`);
        return 0;
      }
      await mkdir(path.dirname(out), { recursive: true });
      await writeFile(out, only.svg);
      io.stdout.write(`wrote ${out}\n`);
      return 0;
    }
    await writeDirectory(out, drawn, io);
    return 0;
  },
};

interface Drawn {
  readonly entry: IndexEntry;
  readonly svg?: string;
}

function draw(task: ValidTask, report: ValidationReport, users: number | undefined): Drawn {
  const warnings = report.findings
    .filter((f) => f.severity === 'warning' && f.file === task.file && f.resource === task.resource)
    .map((f) => `${f.path}: ${f.rule}`);
  const p = buildPreview(task.resource, task.spec, { users });
  const base = { title: task.resource, file: task.file, warnings };
  if (p.kind === 'text') return { entry: { ...base, line: p.line, notes: [] } };
  return { entry: { ...base, picture: { src: '', width: p.width, height: p.height }, notes: p.notes }, svg: drawSvg(p, warnings) };
}

async function writeDirectory(dir: string, drawn: readonly Drawn[], io: CliIo): Promise<void> {
  await mkdir(dir, { recursive: true });
  const used = new Set<string>();
  const entries: IndexEntry[] = [];
  for (const d of drawn) {
    if (d.svg === undefined || d.entry.picture === undefined) {
      entries.push(d.entry);
      continue;
    }
    const src = uniqueName(d.entry.title, used);
    await writeFile(path.join(dir, src), d.svg);
    entries.push({ ...d.entry, picture: { ...d.entry.picture, src } });
  }
  await writeFile(path.join(dir, 'index.html'), indexPage(entries));
  const pictures = entries.filter((e) => e.picture !== undefined).length;
  io.stdout.write(`wrote ${pictures} picture${pictures === 1 ? '' : 's'} and ${path.join(dir, 'index.html')}\n`);
}

/** `RtmpPushTask media/lobby` → `media.lobby.svg`, with -2, -3... when two tasks share a name. */
function uniqueName(resource: string, used: Set<string>): string {
  const stem = resource.replace(new RegExp(`^${KIND} `), '').replace('/', '.').replace(/[^A-Za-z0-9._-]+/g, '-') || 'task';
  let name = `${stem}.svg`;
  for (let n = 2; used.has(name); n++) name = `${stem}-${n}.svg`;
  used.add(name);
  return name;
}
