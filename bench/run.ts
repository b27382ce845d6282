// `npm run bench [-- flags]`: starts a control plane the way the integration tests do
// (test/harness), runs the benchmarks against it and prints tables. Not part of `npm test`:
// numbers depend on the machine, so nothing here passes or fails on them.
//
//   --only=callbacks|fleet|secrets   one benchmark (default: all)
//   --tasks=N                fleet size (default 2000; env BENCH_FLEET_TASKS)
//   --runs=N                 fleet runs, each on a fresh control plane; medians are printed (default 1)
//   --node-options="..."     node flags for the operator process in the fleet benchmark; `image`
//                            takes the image's NODE_OPTIONS from the Dockerfile (default: none,
//                            node dist/main.js as is)
//   --memory-limit=MiB       run the operator in a memory cgroup with this limit, as a pod with that
//                            limit runs it (Node then sizes its heap from it); Linux, root
//   --entry=PATH             an operator build to measure instead of building this checkout's dist/
//                            (e.g. another commit's, for a before/after comparison)
//   --baseline=client-go     also run the plain client-go controller (bench/client-go-baseline),
//                            alternating operator/baseline runs, each on a fresh control plane, and
//                            print both side by side with the throughput ratio; builds it first
//                            with scripts/build-client-go-baseline.sh when needed
//   --baseline-record=minimal|operator|both   what the baseline's two writes record: minimal (a
//                            finalizer and one Synced condition, the issue's plain controller) or
//                            the operator's record (start intent, status with three conditions);
//                            both (the default) runs each, alternated with the operator's runs
//   --baseline-qps=N, --baseline-burst=N   its client's rest.Config QPS/Burst (default 1000/2000)
//   --baseline-workers=N     its concurrent reconciles (default 8, as the operator's; for diagnosis)
//   --phases=all|sync        sync: only the operator's cold start, no restart/idle/cache phases
//                            (default all)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane } from '../test/harness/control-plane.js';
import { benchCallbacks, formatCallbackRows } from './callbacks.js';
import { benchFleet, formatFleet, type FleetResult } from './fleet.js';
import {
  BASELINE_RECORDS,
  benchBaselineFleet,
  ensureBaselineBinary,
  formatBaseline,
  formatSideBySide,
  type BaselineRecord,
  type BaselineResult,
} from './fleet-baseline.js';
import { benchSecretsMemory, formatSecretsMemoryRows } from './secrets-memory.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    tasks: { type: 'string', default: process.env['BENCH_FLEET_TASKS'] ?? '2000' },
    runs: { type: 'string', default: '1' },
    'node-options': { type: 'string', default: '' },
    entry: { type: 'string' },
    'memory-limit': { type: 'string' },
    baseline: { type: 'string' },
    'baseline-record': { type: 'string', default: 'both' },
    'baseline-qps': { type: 'string' },
    'baseline-burst': { type: 'string' },
    'baseline-workers': { type: 'string' },
    phases: { type: 'string', default: 'all' },
  },
});
const only = values.only;
const tasks = Number(values.tasks);
const runs = Number(values.runs);
if (only !== undefined && only !== 'callbacks' && only !== 'fleet' && only !== 'secrets') throw new Error('--only: callbacks, fleet or secrets');
if (!Number.isInteger(tasks) || tasks < 1 || !Number.isInteger(runs) || runs < 1) throw new Error('--tasks and --runs: positive integers');
const memoryLimit = values['memory-limit'] === undefined ? undefined : Number(/^(\d+)(Mi)?$/.exec(values['memory-limit'])?.[1] ?? Number.NaN);
if (memoryLimit !== undefined && !(memoryLimit > 0)) throw new Error('--memory-limit: MiB, e.g. 512 or 512Mi');
if (values.baseline !== undefined && values.baseline !== 'client-go') throw new Error('--baseline: client-go');
if (values.baseline !== undefined && only !== 'fleet') throw new Error('--baseline goes with --only=fleet');
if (values.phases !== 'all' && values.phases !== 'sync') throw new Error('--phases: all or sync');
const baselineRecords: readonly BaselineRecord[] =
  values['baseline-record'] === 'both' ? BASELINE_RECORDS : BASELINE_RECORDS.filter((r) => r === values['baseline-record']);
if (baselineRecords.length === 0) throw new Error('--baseline-record: minimal, operator or both');
const phases: 'all' | 'sync' = values.phases;
const baselineClient = {
  ...(values['baseline-qps'] !== undefined ? { qps: Number(values['baseline-qps']) } : {}),
  ...(values['baseline-burst'] !== undefined ? { burst: Number(values['baseline-burst']) } : {}),
  ...(values['baseline-workers'] !== undefined ? { workers: Number(values['baseline-workers']) } : {}),
};
if (Object.values(baselineClient).some((v) => !(Number.isFinite(v) && v > 0))) throw new Error('--baseline-qps, --baseline-burst, --baseline-workers: positive numbers');

const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const progress = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};
let exitCode = 0;
const machine = `Node ${process.version}, ${availableParallelism()} CPUs: ${cpus()[0]?.model ?? 'unknown'}`;

async function callbacks(): Promise<void> {
  const controlPlane = await startControlPlane();
  try {
    progress(`control plane: ${controlPlane.description}`);
    const started = Date.now();
    const rows = await benchCallbacks({ kubeconfigPath: controlPlane.kubeconfigPath, progress });
    process.stdout.write(`\nPush-status callbacks (${machine})\n\n${formatCallbackRows(rows)}\n`);
    process.stdout.write(
      '\nwrites: resourceVersion changes of the tasks during the load and 2 s after it (status-refresh-interval 60 s unless noted).\n' +
        `took ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
  } finally {
    await controlPlane.stop();
  }
}

async function fleet(): Promise<void> {
  const entry = values.entry ?? path.join(REPO_ROOT, 'dist/main.js');
  if (values.entry === undefined) {
    progress('building dist/ (the fleet benchmark runs node dist/main.js)');
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  const nodeOptions = (values['node-options'] === 'image' ? imageNodeOptions() : values['node-options']).split(' ').filter((o) => o !== '');
  const results: FleetResult[] = [];
  const baseline =
    values.baseline === undefined
      ? undefined
      : { binary: ensureBaselineBinary(progress), series: baselineRecords.map((record) => ({ record, results: [] as BaselineResult[] })), failed: 0 };
  let failed = 0;
  for (let run = 1; run <= runs; run++) {
    const controlPlane = await startControlPlane();
    try {
      progress(`fleet run ${run}/${runs}: ${tasks} tasks; control plane: ${controlPlane.description}`);
      results.push(
        await benchFleet({
          kubeconfigPath: controlPlane.kubeconfigPath,
          server: controlPlane.server,
          token: controlPlane.token,
          controlPlaneProcesses: controlPlane.processes,
          tasks,
          entry,
          nodeOptions,
          ...(memoryLimit !== undefined ? { memoryLimitMiB: memoryLimit } : {}),
          phases,
          progress,
        }),
      );
    } catch (error) {
      // One bad run (the machine is shared) should not throw away the others.
      failed += 1;
      progress(`fleet run ${run} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    } finally {
      await controlPlane.stop();
    }
    if (baseline !== undefined) {
      for (const series of baseline.series) {
        try {
          series.results.push(await benchBaselineFleet({ binary: baseline.binary, record: series.record, tasks, ...baselineClient, progress }));
        } catch (error) {
          baseline.failed += 1;
          progress(`baseline run ${run} (${series.record} record) failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        }
      }
    }
  }
  if (results.length === 0) throw new Error('every fleet run failed');
  process.stdout.write(
    `\nFleet: ${tasks} tasks created before start, emulator at 20 ms per vendor call, 8 concurrent reconciles, node ${path.relative(REPO_ROOT, entry)}${nodeOptions.length > 0 ? ` ${nodeOptions.join(' ')}` : ''}${memoryLimit !== undefined ? ` in a ${memoryLimit} MiB memory cgroup` : ''} (${machine})\n` +
      `median of ${results.length} run(s)${failed > 0 ? ` (${failed} failed)` : ''}, each on a fresh control plane${results.length > 1 ? ' [all runs]' : ''}\n\n${formatFleet(results)}\n`,
  );
  if (baseline !== undefined) {
    const client = `${baselineClient.workers ?? 8} workers, QPS ${baselineClient.qps ?? 1000}, burst ${baselineClient.burst ?? 2000}`;
    for (const series of baseline.series) {
      if (series.results.length === 0) throw new Error(`every client-go baseline run with the ${series.record} record failed`);
      process.stdout.write(
        `\nClient-go baseline, ${series.record} record (bench/client-go-baseline, ${client}), same scenario, runs alternated with the operator's\n` +
          `median of ${series.results.length} run(s), each on a fresh control plane${series.results.length > 1 ? ' [all runs]' : ''}\n\n${formatBaseline(series.results)}\n`,
      );
    }
    process.stdout.write(`\nSide by side (medians [all runs])\n\n${formatSideBySide(results, baseline.series)}\n`);
    if (baseline.failed > 0) exitCode = 1;
  }
  if (failed > 0) exitCode = 1;
}

async function secrets(): Promise<void> {
  const controlPlane = await startControlPlane();
  try {
    const memoryRows = await benchSecretsMemory({ kubeconfigPath: controlPlane.kubeconfigPath, progress });
    process.stdout.write('\nSecret cache memory with 300 unrelated Secrets of 100 KiB (medians of 3 runs, each in its own process)\n\n');
    process.stdout.write(`${formatSecretsMemoryRows(memoryRows)}\n`);
  } finally {
    await controlPlane.stop();
  }
}

/** NODE_OPTIONS as the Dockerfile's runtime stage sets it. */
function imageNodeOptions(): string {
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const value = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(dockerfile)?.[1];
  if (value === undefined) throw new Error('--node-options=image: the Dockerfile sets no NODE_OPTIONS');
  return value;
}

try {
  if (only === undefined || only === 'callbacks') await callbacks();
  if (only === undefined || only === 'fleet') await fleet();
  if (only === undefined || only === 'secrets') await secrets();
} catch (error) {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitCode = 1;
}
process.exit(exitCode);
