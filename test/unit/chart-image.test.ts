// The image the chart runs. No Docker engine runs here or in CI, so the Dockerfile is checked by
// parsing it: Node 24 bases, production dependencies only, UID 65532, an entrypoint that is what
// tsconfig.build.json really produces, and a pod spec that matches the image.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, renderChart, theOne, type Deployment, type KubeObject } from '../harness/helm.js';

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Dockerfile instructions with comments dropped and `\` continuations joined. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const entry of logical.filter((l) => l !== '')) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(entry) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: rest };
    if (instruction.keyword === 'FROM') {
      const [, image = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest) ?? [];
      const base = image.replace(/^\$\{(\w+)\}$/, (_, arg: string) => args.get(arg) ?? `unresolved ${arg}`);
      stages.push({ base, name, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name = '', value = ''] = rest.split('=');
      args.set(name, value);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

const dockerfile = parseDockerfile(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.stages.at(-1)!;
const inRuntime = (keyword: string): Instruction[] => runtime.instructions.filter((i) => i.keyword === keyword);
const stageNamed = (name: string): Stage | undefined => dockerfile.stages.find((s) => s.name === name);
/** Stages the runtime stage copies from (`COPY --from=NAME`). */
const copiedFrom = (source: string): Stage | undefined => {
  const copy = inRuntime('COPY').find((c) => c.args.split(/\s+/).includes(source));
  const from = /--from=(\S+)/.exec(copy?.args ?? '')?.[1];
  return from === undefined ? undefined : stageNamed(from);
};

describe('Dockerfile', () => {
  it('is multi-stage and every stage starts from a Node 24 image', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile.stages) expect(stage.base, stage.name).toMatch(/^node:24-(bookworm-slim|alpine)(@sha256:[a-f0-9]{64})?$/);
  });

  it('runs as UID/GID 65532, numerically (runAsNonRoot can verify it)', () => {
    expect(inRuntime('USER').at(-1)?.args).toBe('65532:65532');
  });

  it('installs production dependencies only in what it ships', () => {
    const deps = copiedFrom('/app/node_modules');
    expect(deps, 'the runtime stage copies node_modules from another stage').toBeDefined();
    const installs = deps!.instructions.filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(i.args));
    expect(installs.length).toBe(1);
    expect(installs[0]!.args).toMatch(/\bnpm ci\b.*--omit=dev/);
    expect(inRuntime('RUN').filter((i) => /\bnpm (ci|install)\b/.test(i.args))).toEqual([]);
  });

  it('starts node on the compiled entry point with `run` as the default command', () => {
    expect(JSON.parse(inRuntime('ENTRYPOINT').at(-1)!.args)).toEqual(['node', 'dist/main.js']);
    expect(JSON.parse(inRuntime('CMD').at(-1)!.args)).toEqual(['run']);
  });

  it('ships the dist/ that tsconfig.build.json produces from src/main.ts', () => {
    const build = JSON.parse(readFileSync(path.join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(existsSync(path.join(REPO_ROOT, 'src', 'main.ts'))).toBe(true);
    const builder = copiedFrom('./dist');
    expect(builder?.instructions.some((i) => i.keyword === 'RUN' && /tsc\b.*-p tsconfig\.build\.json/.test(i.args))).toBe(true);
  });

  it('copies package.json, whose "type": "module" makes node load dist/*.js as ES modules', () => {
    expect(inRuntime('COPY').some((c) => /^package\.json\s/.test(c.args))).toBe(true);
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { type?: string };
    expect(pkg.type).toBe('module');
  });

  it('fetches nothing from URLs (ADD) and pins no :latest tag', () => {
    const all = dockerfile.stages.flatMap((s) => s.instructions);
    expect(all.filter((i) => i.keyword === 'ADD')).toEqual([]);
    for (const stage of dockerfile.stages) expect(stage.base).not.toMatch(/:latest$/);
  });
});

describe('.dockerignore', () => {
  const lines = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  it('excludes everything but what the build needs (no node_modules, .git, tests or local secrets)', () => {
    expect(lines[0]).toBe('**');
    const reincluded = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    expect(reincluded.sort()).toEqual(['package-lock.json', 'package.json', 'src/**', 'tsconfig.build.json', 'tsconfig.json'].sort());
  });

  it('keeps unit tests beside the code out of the build context', () => {
    expect(lines.indexOf('src/**/*.test.ts')).toBeGreaterThan(lines.indexOf('!src/**'));
  });
});

describe('the chart runs the image as built', () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    const result = await renderChart();
    expect(result.code, result.stderr).toBe(0);
    objects = result.objects;
  });

  it('keeps the ENTRYPOINT and starts the `run` command', () => {
    const container = theOne<Deployment>(objects, 'Deployment').spec.template.spec.containers[0]!;
    expect(container).not.toHaveProperty('command');
    const cmd = JSON.parse(inRuntime('CMD').at(-1)!.args) as string[];
    expect(container.args[0]).toBe(cmd[0]);
  });

  it("sets the image's V8 heap settings, with an old generation well inside the memory limit", () => {
    const env = /^NODE_OPTIONS="([^"]*)"$/.exec(inRuntime('ENV').find((e) => e.args.startsWith('NODE_OPTIONS='))?.args ?? '')?.[1];
    const container = theOne<Deployment>(objects, 'Deployment').spec.template.spec.containers[0]!;
    const chart = container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
    expect(chart).toBe(env);
    const oldSpaceMiB = Number(/--max-old-space-size=(\d+)/.exec(chart ?? '')?.[1]);
    const limitMiB = Number(/^(\d+)Mi$/.exec((container as { resources?: { limits?: { memory?: string } } }).resources?.limits?.memory ?? '')?.[1]);
    // Native memory (code, buffers, malloc) reached 340 MB at 10,000 tasks besides the heap.
    expect(oldSpaceMiB / limitMiB).toBeGreaterThan(0.3);
    expect(oldSpaceMiB / limitMiB).toBeLessThan(0.6);
  });

  it('runs as the image USER', () => {
    const [uid, gid] = inRuntime('USER').at(-1)!.args.split(':').map(Number);
    expect(theOne<Deployment>(objects, 'Deployment').spec.template.spec.securityContext).toMatchObject({ runAsUser: uid, runAsGroup: gid });
  });
});
