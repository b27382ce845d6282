// `npm run bench`: starts a control plane the way the integration tests do (test/harness), runs
// the benchmarks against it and prints a table. Not part of `npm test`: numbers depend on the
// machine, so nothing here passes or fails on them.
import { availableParallelism, cpus } from 'node:os';
import { startControlPlane } from '../test/harness/control-plane.js';
import { benchCallbacks, formatCallbackRows } from './callbacks.js';
import { benchSecretsMemory, formatSecretsMemoryRows } from './secrets-memory.js';

const progress = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

const controlPlane = await startControlPlane();
let exitCode = 0;
try {
  progress(`control plane: ${controlPlane.description}`);
  const started = Date.now();
  const rows = await benchCallbacks({ kubeconfigPath: controlPlane.kubeconfigPath, progress });
  process.stdout.write(`\nPush-status callbacks (Node ${process.version}, ${availableParallelism()} CPUs: ${cpus()[0]?.model ?? 'unknown'})\n\n`);
  process.stdout.write(`${formatCallbackRows(rows)}\n`);
  process.stdout.write(
    '\nwrites: resourceVersion changes of the tasks during the load and 2 s after it (status-refresh-interval 60 s unless noted).\n' +
      `took ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
  const memoryRows = await benchSecretsMemory({ kubeconfigPath: controlPlane.kubeconfigPath, progress });
  process.stdout.write('\nSecret cache memory with 300 unrelated Secrets of 100 KiB (medians of 3 runs, each in its own process)\n\n');
  process.stdout.write(`${formatSecretsMemoryRows(memoryRows)}\n`);
} catch (error) {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitCode = 1;
} finally {
  await controlPlane.stop();
}
process.exit(exitCode);
