// `rtmp-push-operator crd`: prints the generated CRD, writes the committed copies (--write, what
// `npm run generate` runs), or fails when they are out of date (--check, for CI).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generatedCrdFiles, toYaml } from '../api/v1alpha1/crd-files.js';
import { buildCrd } from '../api/v1alpha1/crd.js';
import type { Command } from './command.js';
import { UsageError, bool, str, type CommandSpec } from './flags.js';

const spec: CommandSpec = {
  name: 'crd',
  summary: 'Print the RtmpPushTask CustomResourceDefinition, or write/check the generated files.',
  usage: 'rtmp-push-operator crd [--write | --check] [--dir DIR]',
  flags: [
    { name: 'write', type: 'boolean', description: 'Write the CRD and kustomization files under --dir instead of printing.', env: false },
    { name: 'check', type: 'boolean', description: 'Exit 1 if the files under --dir differ from what would be generated.', env: false },
    { name: 'dir', type: 'string', value: 'DIR', default: '.', description: 'Repository root the generated files live under.', env: false },
  ],
  details: [
    'Generated files (relative to --dir):',
    ...generatedCrdFiles().map((f) => `  ${f.path}`),
    '',
    'Exit codes: 0 ok; 1 --check found stale or missing files; 2 usage error.',
  ].join('\n'),
};

export const crdCommand: Command = {
  spec,
  async run(args, io) {
    const write = bool(args.values, 'write');
    const check = bool(args.values, 'check');
    if (write && check) throw new UsageError('crd: --write and --check exclude each other');
    if (args.positionals.length > 0) throw new UsageError(`crd: unexpected argument "${args.positionals[0]}"`);
    const root = str(args.values, 'dir') ?? '.';

    if (!write && !check) {
      io.stdout.write(toYaml(buildCrd()));
      return 0;
    }
    let stale = 0;
    for (const file of generatedCrdFiles()) {
      const target = path.join(root, file.path);
      if (write) {
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, file.content);
        io.stderr.write(`wrote ${file.path}\n`);
        continue;
      }
      const current = await readFile(target, 'utf8').catch(() => undefined);
      if (current !== file.content) {
        stale++;
        io.stderr.write(`${file.path}: ${current === undefined ? 'missing' : 'out of date'}\n`);
      }
    }
    if (stale > 0) {
      io.stderr.write('The generated CRD files are stale: run `npm run generate` and commit the result.\n');
      return 1;
    }
    return 0;
  },
};
