// `rtmp-push-operator validate -f FILE...`: checks RtmpPushTask manifests offline (GitOps
// pipelines, pre-commit) with the very check the operator runs before calling the vendor.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { API_VERSION, GROUP, KIND } from '../api/v1alpha1/constants.js';
import { validateSpec } from '../api/v1alpha1/validate-spec.js';
import type { RtmpPushTaskSpec } from '../api/v1alpha1/spec.js';
import type { Problem } from '../jocloud/wire.js';
import { layoutWarnings } from '../preview/layout-warnings.js';
import type { CliIo, Command } from './command.js';
import { UsageError, str, strs, type CommandSpec, type FlagSpec, type ParsedCommand } from './flags.js';

export interface Finding {
  readonly file: string;
  /** 1-based line of the field (or the nearest enclosing one that exists). */
  readonly line?: number;
  /** e.g. `RtmpPushTask media/lobby-mix`. */
  readonly resource: string;
  readonly severity: 'error' | 'warning';
  readonly path: string;
  readonly rule: string;
}

/** A file that could not be read or parsed: a usage problem (exit 2), not an invalid resource. */
export interface FileError {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export interface ValidationReport {
  readonly findings: Finding[];
  readonly fileErrors: FileError[];
  /** RtmpPushTask documents looked at. */
  readonly checked: number;
}

export interface ValidateOptions {
  readonly defaultAppid?: string | undefined;
  /** Called with every RtmpPushTask that passed (`preview` draws them), in file order. */
  readonly onValid?: ((task: ValidTask) => void) | undefined;
}

export interface ValidTask {
  readonly file: string;
  readonly resource: string;
  readonly spec: RtmpPushTaskSpec;
}

/** The flags `validate` shares with `preview`: the files to read and the operator's default appid. */
export const manifestFlags: readonly FlagSpec[] = [
  {
    name: 'filename',
    short: 'f',
    type: 'string',
    multiple: true,
    value: 'FILE',
    description: 'A manifest file (multi-document YAML or JSON), a directory of them, or - for stdin. Repeatable.',
    env: false,
  },
  {
    name: 'default-appid',
    type: 'string',
    value: 'APPID',
    description: "The operator's --default-appid, for tasks without spec.appid (without it such tasks are invalid).",
  },
];

const spec: CommandSpec = {
  name: 'validate',
  summary: 'Check RtmpPushTask manifests offline with the same rules the operator applies.',
  usage: 'rtmp-push-operator validate -f FILE [-f FILE...] [--default-appid APPID] [--output text|json]',
  flags: [
    ...manifestFlags,
    { name: 'output', short: 'o', type: 'string', value: 'FORMAT', default: 'text', description: 'text (one line per problem) or json.', env: false },
  ],
  details: [
    'Documents of other kinds are skipped. Problems go to stdout, one per line:',
    '  FILE: RtmpPushTask NAMESPACE/NAME: spec.mixconfig.output.videowidth: must be a multiple of 8 (got 601)',
    '  FILE: RtmpPushTask NAMESPACE/NAME: warning: spec.mixconfig.output.videogop: ...',
    '',
    'Exit codes: 0 all valid (warnings allowed); 1 a resource is invalid; 2 usage error, unreadable file or YAML syntax error.',
  ].join('\n'),
};

export const validateCommand: Command = {
  spec,
  async run(args, io) {
    const output = str(args.values, 'output') ?? 'text';
    if (output !== 'text' && output !== 'json') throw new UsageError(`validate: --output must be text or json, got "${output}"`);
    const report = await validateNamedFiles('validate', args, io);
    if (output === 'json') {
      io.stdout.write(`${JSON.stringify({ valid: exitCode(report) === 0, ...report }, null, 2)}\n`);
    } else {
      writeText(report, io);
    }
    return exitCode(report);
  },
};

/** Reads and checks every file the manifestFlags (and positionals) name. */
export async function validateNamedFiles(
  command: string,
  args: ParsedCommand,
  io: CliIo,
  onValid?: ValidateOptions['onValid'],
): Promise<ValidationReport> {
  const names = [...strs(args.values, 'filename'), ...args.positionals];
  if (names.length === 0) throw new UsageError(`${command}: name at least one file with -f FILE (or -f - for stdin)`);
  if (names.filter((n) => n === '-').length > 1) throw new UsageError(`${command}: stdin (-) can be given only once`);
  const options: ValidateOptions = { defaultAppid: str(args.values, 'default-appid'), onValid };
  const reports: ValidationReport[] = [];
  for (const name of names) {
    const sources = await readSources(name, io);
    for (const source of sources) {
      reports.push('error' in source ? { findings: [], fileErrors: [source.error], checked: 0 } : validateManifests(source.name, source.text, options));
    }
  }
  return merge(reports);
}

export function exitCode(report: ValidationReport): number {
  if (report.fileErrors.length > 0) return 2;
  return report.findings.some((f) => f.severity === 'error') ? 1 : 0;
}

export function writeText(report: ValidationReport, io: CliIo): void {
  for (const e of report.fileErrors) {
    const where = e.line === undefined ? e.file : `${e.file}:${e.line}${e.column === undefined ? '' : `:${e.column}`}`;
    io.stderr.write(`${where}: ${e.message}\n`);
  }
  for (const f of report.findings) {
    const severity = f.severity === 'warning' ? 'warning: ' : '';
    io.stdout.write(`${f.file}: ${f.resource}: ${severity}${f.path === '' ? '' : `${f.path}: `}${f.rule}\n`);
  }
  const invalid = new Set(report.findings.filter((f) => f.severity === 'error').map((f) => `${f.file}\0${f.resource}`)).size;
  const warnings = report.findings.filter((f) => f.severity === 'warning').length;
  io.stderr.write(`${report.checked} ${KIND}${report.checked === 1 ? '' : 's'} checked: ${invalid} invalid, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
}

function merge(reports: readonly ValidationReport[]): ValidationReport {
  return {
    findings: reports.flatMap((r) => r.findings),
    fileErrors: reports.flatMap((r) => r.fileErrors),
    checked: reports.reduce((n, r) => n + r.checked, 0),
  };
}

type Source = { name: string; text: string } | { error: FileError };

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

async function readSources(name: string, io: CliIo): Promise<Source[]> {
  if (name === '-') return [{ name: '<stdin>', text: await readAll(io.stdin) }];
  try {
    if ((await stat(name)).isDirectory()) {
      const entries = (await readdir(name)).filter((e) => MANIFEST_EXTENSIONS.has(path.extname(e))).sort();
      return Promise.all(entries.map(async (e) => readOne(path.join(name, e))));
    }
  } catch (err) {
    return [{ error: { file: name, message: `cannot read: ${errorText(err)}` } }];
  }
  return [await readOne(name)];
}

async function readOne(file: string): Promise<Source> {
  try {
    return { name: file, text: await readFile(file, 'utf8') };
  } catch (err) {
    return { error: { file, message: `cannot read: ${errorText(err)}` } };
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type Plain = { [key: string]: unknown };
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every RtmpPushTask in one file's text (YAML, multi-document, or JSON; `kind: List` too). */
export function validateManifests(file: string, text: string, options: ValidateOptions = {}): ValidationReport {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  const findings: Finding[] = [];
  const fileErrors: FileError[] = [];
  let checked = 0;
  if (!Array.isArray(docs)) return { findings, fileErrors, checked };
  // The same text as kubectl reads it (YAML 1.1), to catch what the two versions read differently.
  let values11: unknown[] | undefined;
  const yaml11Value = (docIndex: number, at: Array<string | number>, key: string): unknown => {
    values11 ??= asDocuments(parseAllDocuments(text, { version: '1.1' })).map((d): unknown => (d.errors.length > 0 ? undefined : d.toJS()));
    return [...at, key].reduce<unknown>((v, k) => (isPlain(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[k] : undefined), values11[docIndex]);
  };

  docs.forEach((doc, docIndex) => {
    const syntax = doc.errors[0];
    if (syntax !== undefined) {
      const pos = syntax.linePos?.[0];
      fileErrors.push({
        file,
        ...(pos !== undefined ? { line: pos.line, column: pos.col } : {}),
        // The position is already in front of the message; drop yaml's own copy and code frame.
        message: `YAML syntax error: ${(syntax.message.split('\n')[0] ?? syntax.message).replace(/ at line \d+, column \d+:?$/, '')}`,
      });
      return;
    }
    const value: unknown = doc.toJS();
    const objects: Array<{ object: unknown; at: Array<string | number> }> =
      isPlain(value) && value.kind === 'List' && Array.isArray(value.items)
        ? value.items.map((object: unknown, i) => ({ object, at: ['items', i] }))
        : [{ object: value, at: [] }];

    for (const { object, at } of objects) {
      if (!isPlain(object) || typeof object.apiVersion !== 'string' || !object.apiVersion.startsWith(`${GROUP}/`)) continue;
      checked++;
      const resource = resourceLabel(object, docIndex);
      const lineOf = (p: string): number | undefined => lineOfPath(doc, lineCounter, [...at, ...pathSegments(p)]);
      const report = (severity: Finding['severity']) => (p: Problem) => {
        const line = lineOf(p.path);
        findings.push({ file, ...(line !== undefined ? { line } : {}), resource, severity, path: p.path, rule: p.rule });
      };
      const identity = identityProblems(object);
      if (identity.length > 0) {
        identity.forEach(report('error'));
        continue;
      }
      yaml11Divergences(object.spec, yaml11Value(docIndex, at, 'spec'), 'spec').forEach(report('error'));
      const result = validateSpec(object.spec, options);
      if (!result.ok) result.problems.forEach(report('error'));
      result.warnings.forEach(report('warning'));
      if (result.ok && result.spec.mixconfig !== undefined) layoutWarnings(result.spec.mixconfig, 'spec.mixconfig').forEach(report('warning'));
      if (result.ok) options.onValid?.({ file, resource, spec: result.spec });
    }
  });
  return { findings, fileErrors, checked };
}

/**
 * Where YAML 1.1 readers (kubectl, Helm, Argo CD, Flux) see something else than YAML 1.2 does: an
 * unquoted y/n/yes/no/on/off is a boolean there, 1:20 a number, 0777 octal. The vendor's watermark
 * field `y` is the usual victim: kubectl sends it as the key "true" and the field goes missing.
 */
export function yaml11Divergences(v12: unknown, v11: unknown, at: string): Problem[] {
  const out: Problem[] = [];
  const walk = (a: unknown, b: unknown, p: string): void => {
    if (Array.isArray(a) && Array.isArray(b)) {
      a.forEach((item, i) => walk(item, b[i], `${p}[${i}]`));
      return;
    }
    if (isPlain(a) && isPlain(b)) {
      for (const [key, value] of Object.entries(a)) {
        if (key in b) walk(value, b[key], p === '' ? key : `${p}.${key}`);
        else
          out.push({
            path: p === '' ? key : `${p}.${key}`,
            rule: `write the key quoted ("${key}"): kubectl and other YAML 1.1 readers take an unquoted ${key} for a boolean, and the field goes missing`,
          });
      }
      return;
    }
    if (a !== b && typeof a === 'string' && (typeof b === 'boolean' || typeof b === 'number')) {
      out.push({ path: p, rule: `write it quoted ("${a}"): kubectl and other YAML 1.1 readers take it for the ${typeof b} ${String(b)}` });
    }
  };
  walk(v12, v11, at);
  return out;
}

function asDocuments(parsed: ReturnType<typeof parseAllDocuments>): Document[] {
  return Array.isArray(parsed) ? parsed : [];
}

/** apiVersion/kind in our group that this build doesn't know, and a missing or invalid name. */
function identityProblems(object: Plain): Problem[] {
  const problems: Problem[] = [];
  if (object.apiVersion !== API_VERSION)
    problems.push({ path: 'apiVersion', rule: `unknown version ${JSON.stringify(object.apiVersion)}: this build knows ${API_VERSION}` });
  if (object.kind !== KIND) problems.push({ path: 'kind', rule: `unknown kind ${JSON.stringify(object.kind)} in ${GROUP}: this build knows ${KIND}` });
  const metadata = isPlain(object.metadata) ? object.metadata : {};
  if (typeof metadata.name !== 'string' && typeof metadata.generateName !== 'string') problems.push({ path: 'metadata.name', rule: 'is required' });
  else if (typeof metadata.name === 'string' && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(metadata.name))
    problems.push({ path: 'metadata.name', rule: `must be lower case letters, digits, '-' and '.' (got ${JSON.stringify(metadata.name)})` });
  return problems;
}

function resourceLabel(object: Plain, docIndex: number): string {
  const kind = typeof object.kind === 'string' ? object.kind : KIND;
  const metadata = isPlain(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : `(document ${docIndex + 1})`;
  return typeof metadata.namespace === 'string' ? `${kind} ${metadata.namespace}/${name}` : `${kind} ${name}`;
}

/** `spec.mixconfig.input[1].pos_w` → ['spec', 'mixconfig', 'input', 1, 'pos_w']. */
export function pathSegments(p: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ''));
  return out;
}

/** The line of the deepest node along the path that exists (a missing field points at its parent). */
function lineOfPath(doc: Document.Parsed, lines: LineCounter, segments: Array<string | number>): number | undefined {
  for (let n = segments.length; n >= 0; n--) {
    const node: unknown = doc.getIn(segments.slice(0, n), true);
    if (typeof node === 'object' && node !== null && 'range' in node && Array.isArray(node.range)) {
      const start: unknown = node.range[0];
      if (typeof start === 'number') return lines.linePos(start).line;
    }
  }
  return undefined;
}
