// Bytes per task of the informer cache, measured in a process of its own (node --expose-gc):
// heap used after a full GC with the tasks cached, minus before, over the number of tasks. Run
// for the slim cache (the default transform) and for whole objects, on the same namespace.
//   node --expose-gc --import tsx bench/cache-footprint.ts KUBECONFIG COLLECTION_PATH
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import pino from 'pino';
import { Informer } from '../src/runtime/informer.js';
import { KubeClients } from '../src/runtime/kube-clients.js';

export interface CacheFootprint {
  readonly tasks: number;
  readonly slimBytesPerTask: number;
  readonly fullBytesPerTask: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  if (gc === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function measure(kubeConfig: KubeConfig, path: string, slim: boolean): Promise<{ tasks: number; bytes: number }> {
  const before = heapAfterGc();
  const informer = new Informer<KubernetesObject>({
    kubeConfig,
    path,
    logger: pino({ level: 'silent' }),
    ...(slim ? {} : { transform: (o: KubernetesObject) => o }),
  });
  informer.start();
  await informer.waitForSync();
  await informer.stop();
  const after = heapAfterGc();
  const tasks = informer.list().length;
  return { tasks, bytes: after - before };
}

export async function cacheFootprint(kubeconfigPath: string, path: string): Promise<CacheFootprint> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  // A first, unmeasured list warms the pool and the code paths.
  await measure(kubeConfig, path, true);
  const slim = await measure(kubeConfig, path, true);
  const full = await measure(kubeConfig, path, false);
  await KubeClients.for(kubeConfig).close();
  return { tasks: slim.tasks, slimBytesPerTask: slim.bytes / slim.tasks, fullBytesPerTask: full.bytes / full.tasks };
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const [kubeconfigPath, path] = process.argv.slice(2);
  if (kubeconfigPath === undefined || path === undefined) throw new Error('usage: cache-footprint.ts KUBECONFIG COLLECTION_PATH');
  process.stdout.write(`${JSON.stringify(await cacheFootprint(kubeconfigPath, path))}\n`);
}
