// The informer against the real kube-apiserver, through a TCP proxy that the test uses to cut
// and stall its connections. ConfigMaps stand in for any resource: the informer is generic.
import { readdirSync, readFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type CoreV1Event, type V1ConfigMap } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Informer } from '../../src/runtime/informer.js';
import { kubeGetJson } from '../../src/runtime/kube-client.js';
import { createNamespace, kubeConfigFromInjected } from '../harness/kube.js';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';
import { until } from '../support/eventually.js';

const label = { 'rtmp-push-operator.test/informer': 'yes' };
const labelSelector = 'rtmp-push-operator.test/informer=yes';

/** A KubeConfig identical to `kc` except that it reaches the apiserver through the proxy. */
function throughProxy(kc: KubeConfig, proxy: TcpProxy): KubeConfig {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('no current cluster');
  const proxied = new KubeConfig();
  proxied.loadFromOptions({
    clusters: kc.getClusters().map((c) => (c.name === cluster.name ? { ...c, server: `https://127.0.0.1:${proxy.port}` } : c)),
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  return proxied;
}

/**
 * The etcd client URL of the harness's kube-apiserver when it runs as a local process (read from
 * its command line), or undefined (k3s in a container, or not Linux).
 */
function etcdUrlOfHarness(): string | undefined {
  let port: string;
  try {
    port = new URL(kubeConfigFromInjected().getCurrentCluster()!.server).port;
  } catch {
    return undefined;
  }
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!(args[0]?.endsWith('kube-apiserver') ?? false) || !args.includes(`--secure-port=${port}`)) continue;
    return args.find((a) => a.startsWith('--etcd-servers='))?.slice('--etcd-servers='.length).split(',')[0];
  }
  return undefined;
}

/** Compacts etcd up to its current revision (what the apiserver does every 5 minutes). */
async function compactEtcd(etcdUrl: string, kc: KubeConfig): Promise<void> {
  const list = (await kubeGetJson(kc, '/api/v1/namespaces/default/events', { limit: 1 }, AbortSignal.timeout(10_000))) as {
    metadata: { resourceVersion: string };
  };
  const response = await fetch(`${etcdUrl}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision: list.metadata.resourceVersion, physical: true }),
  });
  if (!response.ok) throw new Error(`etcd compaction: HTTP ${response.status}: ${await response.text()}`);
}


describe('Informer on a real apiserver', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let proxy: TcpProxy;
  let proxied: KubeConfig;
  let namespace: string;
  let informer: Informer<V1ConfigMap> | undefined;
  let seen: string[];
  const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });

  beforeAll(async () => {
    kc = kubeConfigFromInjected();
    core = kc.makeApiClient(CoreV1Api);
    const server = new URL(kc.getCurrentCluster()!.server);
    proxy = await startTcpProxy(server.hostname, Number(server.port));
    proxied = throughProxy(kc, proxy);
  });

  afterAll(async () => {
    await proxy.close();
  });

  afterEach(async () => {
    proxy.resume();
    await informer?.stop();
    informer = undefined;
  });

  async function startInformer(watchdogMs = 30_000): Promise<Informer<V1ConfigMap>> {
    namespace = await createNamespace(kc, 'runtime-informer');
    informer = new Informer<V1ConfigMap>({
      kubeConfig: proxied,
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      labelSelector,
      logger,
      watchdogMs,
      watchTimeoutSeconds: 600,
      backoffBaseMs: 100,
      backoffMaxMs: 1_000,
    });
    seen = [];
    informer.on('add', (o) => void seen.push(`add ${o.metadata!.name!}=${o.data?.v ?? ''}`));
    informer.on('update', (o, old) => void seen.push(`update ${o.metadata!.name!}=${old.data?.v ?? ''}->${o.data?.v ?? ''}`));
    informer.on('delete', (o) => void seen.push(`delete ${o.metadata!.name!}`));
    informer.start();
    await informer.waitForSync(AbortSignal.timeout(20_000));
    return informer;
  }

  const put = async (name: string, v: string): Promise<void> => {
    try {
      await core.patchNamespacedConfigMap(
        { name, namespace, body: { data: { v } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels: label }, data: { v } } });
    }
  };
  const remove = (name: string) => core.deleteNamespacedConfigMap({ name, namespace });

  /** Waits until the cache holds exactly `expected` (name=v), i.e. the informer caught up. */
  const cacheIs = (inf: Informer<V1ConfigMap>, expected: string[]) =>
    until(
      () =>
        JSON.stringify(inf.list().map((o) => `${o.metadata!.name!}=${o.data?.v ?? ''}`).sort()) ===
        JSON.stringify([...expected].sort()),
      `cache = ${expected.join(', ')}`,
    );

  it('sees adds, updates and deletes, and fills in kind/apiVersion of listed items', async () => {
    const inf = await startInformer();
    await put('a', '1');
    await cacheIs(inf, ['a=1']);
    await put('a', '2');
    await cacheIs(inf, ['a=2']);
    await remove('a');
    await cacheIs(inf, []);
    expect(seen).toEqual(['add a=1', 'update a=1->2', 'delete a']);

    // A second informer lists what exists: items of a core list come without kind; it adds it.
    await put('b', '1');
    const second = new Informer<V1ConfigMap>({ kubeConfig: proxied, path: `/api/v1/namespaces/${namespace}/configmaps`, labelSelector, logger });
    second.start();
    try {
      await second.waitForSync(AbortSignal.timeout(20_000));
      expect(second.get(namespace, 'b')).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', data: { v: '1' } });
    } finally {
      await second.stop();
    }
  });

  it('after every connection is cut, resumes from its resourceVersion and catches the changes of the gap exactly once', async () => {
    const inf = await startInformer();
    await put('keep', '1');
    await put('change', '1');
    await put('gone', '1');
    await cacheIs(inf, ['keep=1', 'change=1', 'gone=1']);
    const before = seen.length;

    proxy.pause('hold');
    proxy.dropAll();
    await put('change', '2');
    await remove('gone');
    await put('new', '1');
    // Give the informer time to notice and to try (and stall) reconnecting.
    await new Promise((r) => setTimeout(r, 500));
    expect(seen).toHaveLength(before);
    proxy.resume();

    await cacheIs(inf, ['keep=1', 'change=2', 'new=1']);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.slice(before).sort()).toEqual(['add new=1', 'delete gone', 'update change=1->2']);
    expect(inf.stats().lists).toBe(1);
    expect(inf.stats().restarts.error).toBeGreaterThanOrEqual(1);
  });

  // Most resources are served from the apiserver's watch cache, which on a fresh control plane
  // still holds every event since start, so no resourceVersion is "too old" for them. Events
  // have no watch cache (a Kubernetes default): their watches go to etcd, and after an etcd
  // compaction an old resourceVersion gets a genuine 410 Expired.
  it.skipIf(etcdUrlOfHarness() === undefined)(
    'when its resourceVersion was compacted away (410), re-lists and emits the difference, including deletes',
    async () => {
      namespace = await createNamespace(kc, 'runtime-informer-410');
      const inf = new Informer<CoreV1Event>({
        kubeConfig: proxied,
        path: `/api/v1/namespaces/${namespace}/events`,
        labelSelector,
        logger,
        watchdogMs: 30_000,
        watchTimeoutSeconds: 600,
        backoffBaseMs: 100,
        backoffMaxMs: 1_000,
      });
      const events: string[] = [];
      inf.on('add', (o) => void events.push(`add ${o.metadata.name!}=${o.message ?? ''}`));
      inf.on('update', (o, old) => void events.push(`update ${o.metadata.name!}=${old.message ?? ''}->${o.message ?? ''}`));
      inf.on('delete', (o) => void events.push(`delete ${o.metadata.name!}`));
      const putEvent = async (name: string, message: string): Promise<void> => {
        try {
          await core.patchNamespacedEvent({ name, namespace, body: { message } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
        } catch {
          await core.createNamespacedEvent({
            namespace,
            body: {
              metadata: { name, labels: label },
              involvedObject: { kind: 'ConfigMap', namespace, name: 'x', apiVersion: 'v1' },
              reason: 'Test',
              message,
            },
          });
        }
      };
      const cacheHolds = (expected: string[]) =>
        until(
          () => JSON.stringify(inf.list().map((o) => `${o.metadata.name!}=${o.message ?? ''}`).sort()) === JSON.stringify([...expected].sort()),
          `cache = ${expected.join(', ')}`,
        );
      inf.start();
      try {
        await inf.waitForSync(AbortSignal.timeout(20_000));
        await putEvent('keep', '1');
        await putEvent('change', '1');
        await putEvent('gone', '1');
        await cacheHolds(['keep=1', 'change=1', 'gone=1']);
        const before = events.length;

        proxy.pause('hold');
        proxy.dropAll();
        await putEvent('change', '2');
        await core.deleteNamespacedEvent({ name: 'gone', namespace });
        await putEvent('new', '1');
        await compactEtcd(etcdUrlOfHarness()!, kc);
        proxy.resume();

        await cacheHolds(['keep=1', 'change=2', 'new=1']);
        await new Promise((r) => setTimeout(r, 300));
        expect(events.slice(before).sort()).toEqual(['add new=1', 'delete gone', 'update change=1->2']);
        expect(inf.stats().restarts.expired).toBeGreaterThanOrEqual(1);
        expect(inf.stats().lists).toBe(2);
      } finally {
        await inf.stop();
      }
    },
  );

  it('restarts a watch that went silent (stalled connection) once the watchdog expires', async () => {
    const inf = await startInformer(2_000);
    const restarts: string[] = [];
    inf.on('restart', ({ reason }) => void restarts.push(reason));
    await put('a', '1');
    await cacheIs(inf, ['a=1']);

    proxy.pause('hold'); // no bytes move, nothing is closed: only the watchdog can notice
    await put('a', '2');
    await until(() => restarts.includes('watchdog'), 'watchdog restart', 10_000);
    expect(inf.get(namespace, 'a')?.data?.v).toBe('1');
    proxy.resume();

    await cacheIs(inf, ['a=2']);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual(['add a=1', 'update a=1->2']);
    expect(inf.stats().lists).toBe(1);
  });
});
