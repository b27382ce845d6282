// One measurement of bench/secrets-memory.ts, in a process of its own so that the numbers are
// not mixed with another cache's garbage. Usage (needs --expose-gc):
//   node --expose-gc --import tsx bench/secrets-memory-child.ts MODE NAMESPACE NAME
// MODE: none | cluster (every Secret, whole objects: the operator before per-Secret watches) |
// cluster-slim (every Secret, slimmed as they arrive) | per-secret (SecretWatches on NAMESPACE/NAME).
// Prints one JSON line: heap and RSS after sync and full GCs, and the peak RSS on the way there.
import { KubeConfig, type V1Secret } from '@kubernetes/client-node';
import pino from 'pino';
import { SecretWatches, slimSecret } from '../src/controller/secret-watches.js';
import { Informer } from '../src/runtime/informer.js';

const [mode, namespace, name] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined || namespace === undefined || name === undefined) throw new Error('usage: node --expose-gc ... MODE NAMESPACE NAME');
const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const logger = pino({ level: 'silent' });
const signal = AbortSignal.timeout(120_000);

let cached = 0;
let stop: () => Promise<void> = () => Promise.resolve();
if (mode === 'cluster' || mode === 'cluster-slim') {
  const informer = new Informer<V1Secret>({
    kubeConfig,
    logger,
    path: '/api/v1/secrets',
    resource: 'secrets',
    ...(mode === 'cluster-slim' ? { decode: slimSecret } : {}),
  });
  informer.start();
  await informer.waitForSync(signal);
  cached = informer.list().length;
  stop = () => informer.stop();
} else if (mode === 'per-secret') {
  const watches = new SecretWatches({ kubeConfig, logger });
  watches.sync([{ namespace, name }]);
  await watches.waitForSync(signal);
  cached = watches.get(namespace, name) === undefined ? 0 : 1;
  stop = () => watches.stop();
} else if (mode !== 'none') {
  throw new Error(`unknown mode ${String(mode)}`);
}

for (let i = 0; i < 3; i++) {
  gc();
  await new Promise((r) => setImmediate(r));
}
const usage = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({ mode, cached, heapUsed: usage.heapUsed, rss: usage.rss, external: usage.external, maxRss: process.resourceUsage().maxRSS * 1024 })}\n`,
);
await stop();
