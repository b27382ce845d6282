// Memory of the operator's Secret cache with many unrelated Secrets present: a whole-cluster
// Secret informer (what the operator did before) against one watch per referenced Secret
// (SecretWatches). Each variant runs in a child process (bench/secrets-memory-child.ts) on the
// same control plane; the table shows what each costs above a process that caches nothing.
// Part of `npm run bench`; alone: npx tsx bench/secrets-memory.ts
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

export interface SecretsMemoryOptions {
  readonly kubeconfigPath: string;
  /** Unrelated Secrets; default 300. */
  readonly secrets?: number;
  /** Size of each unrelated Secret's data (base64 text as stored); default 100 KiB. */
  readonly sizeKiB?: number;
  /** Runs of each variant; the table shows medians. Default 3. */
  readonly rounds?: number;
  readonly progress?: (line: string) => void;
}

export interface SecretsMemoryRow {
  readonly mode: string;
  readonly cached: number;
  readonly heapUsed: number;
  readonly rss: number;
  readonly external: number;
  readonly maxRss: number;
}

const CHILD = fileURLToPath(new URL('./secrets-memory-child.ts', import.meta.url));
const MODES = ['none', 'cluster', 'cluster-slim', 'per-secret'] as const;

function measure(mode: string, namespace: string, name: string, kubeconfigPath: string): Promise<SecretsMemoryRow> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, mode, namespace, name], {
      env: { ...process.env, KUBECONFIG: kubeconfigPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${mode}: exit ${String(code)}: ${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as SecretsMemoryRow);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

export async function benchSecretsMemory(opts: SecretsMemoryOptions): Promise<SecretsMemoryRow[]> {
  const count = opts.secrets ?? 300;
  const bytes = (opts.sizeKiB ?? 100) * 1024;
  const kc = new KubeConfig();
  kc.loadFromFile(opts.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = `bench-secrets-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'jocloud-credentials' }, stringData: { restfulId: 'bench-id', restfulSecret: 'bench-secret' } },
  });
  opts.progress?.(`secrets memory: creating ${count} unrelated Secrets of ${bytes / 1024} KiB in ${namespace}`);
  // Random bytes, so no layer can compress them away; base64 of 3/4 of the size is `bytes` long.
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, (_, j) =>
        core.createNamespacedSecret({
          namespace,
          body: { metadata: { name: `unrelated-${i + j}` }, data: { blob: randomBytes((bytes * 3) / 4).toString('base64') } },
        }),
      ),
    );
  }
  // RSS moves by a few MiB from run to run: interleaved runs, the median of each number.
  const runs = new Map<string, SecretsMemoryRow[]>(MODES.map((m) => [m, []]));
  for (let round = 1; round <= (opts.rounds ?? 3); round++) {
    opts.progress?.(`secrets memory: round ${round}`);
    for (const mode of MODES) runs.get(mode)!.push(await measure(mode, namespace, 'jocloud-credentials', opts.kubeconfigPath));
  }
  return MODES.map((mode) => {
    const all = runs.get(mode)!;
    const median = (pick: (r: SecretsMemoryRow) => number): number => all.map(pick).sort((a, b) => a - b)[Math.floor(all.length / 2)] ?? 0;
    return { mode, cached: all[0]?.cached ?? 0, heapUsed: median((r) => r.heapUsed), rss: median((r) => r.rss), external: median((r) => r.external), maxRss: median((r) => r.maxRss) };
  });
}

const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);

export function formatSecretsMemoryRows(rows: readonly SecretsMemoryRow[]): string {
  const base = rows.find((r) => r.mode === 'none');
  const label: Record<string, string> = {
    none: 'nothing cached (baseline)',
    cluster: 'every Secret, whole (before)',
    'cluster-slim': 'every Secret, slimmed',
    'per-secret': 'one watch per used Secret (now)',
  };
  const lines = [
    '| Secret cache | Secrets cached | heap MiB | RSS MiB | peak RSS MiB | heap above baseline | RSS above baseline |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const dHeap = base === undefined ? '' : mib(r.heapUsed - base.heapUsed);
    const dRss = base === undefined ? '' : mib(r.rss - base.rss);
    lines.push(`| ${label[r.mode] ?? r.mode} | ${r.cached} | ${mib(r.heapUsed)} | ${mib(r.rss)} | ${mib(r.maxRss)} | ${dHeap} | ${dRss} |`);
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { startControlPlane } = await import('../test/harness/control-plane.js');
  const controlPlane = await startControlPlane();
  try {
    const rows = await benchSecretsMemory({ kubeconfigPath: controlPlane.kubeconfigPath, progress: (l) => process.stderr.write(`[bench] ${l}\n`) });
    process.stdout.write(`${formatSecretsMemoryRows(rows)}\n`);
  } finally {
    await controlPlane.stop();
  }
}
