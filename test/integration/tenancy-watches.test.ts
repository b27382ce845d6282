// The two watch caches of issue "one owner per vendor task, tenants kept apart" on a real
// apiserver: SecretWatches (only the Secrets tasks use) and NamespaceCache (labels and the
// operator's annotations). "Nothing happened" is decided from a later event of the same watch:
// events of one watch arrive in order, so once the later one is seen, an earlier one would have been.
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NamespaceCache } from '../../src/controller/namespace-cache.js';
import { SecretWatches } from '../../src/controller/secret-watches.js';
import { createNamespace, kubeConfigFromInjected } from '../harness/kube.js';
import { until } from '../support/eventually.js';

const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined): string | undefined => (s === undefined ? undefined : Buffer.from(s, 'base64').toString());


let kc: KubeConfig;
let core: CoreV1Api;
beforeAll(() => {
  kc = kubeConfigFromInjected();
  core = kc.makeApiClient(CoreV1Api);
});

describe('SecretWatches', () => {
  let watches: SecretWatches | undefined;
  let events: string[];
  let namespace: string;

  afterEach(async () => {
    await watches?.stop();
    watches = undefined;
  });

  async function setup(): Promise<SecretWatches> {
    namespace = await createNamespace(kc, 'secret-watches');
    watches = new SecretWatches({ kubeConfig: kc, logger });
    events = [];
    watches.onChange((ref) => void events.push(`${ref.namespace}/${ref.name}`));
    return watches;
  }
  const createSecret = (name: string, data: Record<string, string>) =>
    core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name, labels: { team: 'a' }, annotations: { note: 'x'.repeat(2_000) } },
        data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
      },
    });
  const patchSecret = (name: string, body: object) => core.patchNamespacedSecret({ name, namespace, body }, mergePatch);
  const key = (name: string) => `${namespace}/${name}`;

  it('caches a referenced Secret with its credential keys only, and no other Secret', async () => {
    const w = await setup();
    await createSecret('creds', { restfulId: 'id-1', restfulSecret: 'secret-1', 'tls.key': 'k'.repeat(50_000) });
    await createSecret('unrelated', { restfulId: 'other' });
    w.sync([{ namespace, name: 'creds' }]);
    await w.waitForSync(AbortSignal.timeout(20_000));

    const cached = w.get(namespace, 'creds');
    expect(Object.keys(cached?.data ?? {}).sort()).toEqual(['restfulId', 'restfulSecret']);
    expect(unb64(cached?.data?.restfulSecret)).toBe('secret-1');
    expect(Object.keys(cached?.metadata ?? {}).sort()).toEqual(['name', 'namespace', 'resourceVersion', 'uid']);
    expect(w.get(namespace, 'unrelated')).toBeUndefined();
    expect(w.hasSyncedRef(namespace, 'creds')).toBe(true);
    expect(w.hasSyncedRef(namespace, 'unrelated')).toBe(false);
    expect(events).toEqual([key('creds')]);
  });

  it("fires onChange for every edit of a referenced Secret (touching it asks for a retry), not for an unrelated Secret", async () => {
    const w = await setup();
    await createSecret('creds', { restfulId: 'id-1', restfulSecret: 'secret-1' });
    await createSecret('unrelated', { restfulId: 'other' });
    w.sync([{ namespace, name: 'creds' }]);
    await w.waitForSync(AbortSignal.timeout(20_000));
    expect(events).toEqual([key('creds')]);

    await patchSecret('unrelated', { data: { restfulId: b64('changed') } });
    await patchSecret('creds', { metadata: { labels: { team: 'b' } } });
    await patchSecret('creds', { data: { restfulSecret: b64('secret-2') } });
    await until(() => unb64(w.get(namespace, 'creds')?.data?.restfulSecret) === 'secret-2', 'the rotated secret');
    // The unrelated Secret's change went through no watch of ours: had it fired, it would be here.
    await until(() => events.length === 3, 'the label and the rotation');
    expect(events).toEqual([key('creds'), key('creds'), key('creds')]);
  });

  it('reports a missing Secret as synced and absent, then its creation and deletion', async () => {
    const w = await setup();
    w.sync([{ namespace, name: 'later' }]);
    await w.waitForSync(AbortSignal.timeout(20_000));
    expect(w.hasSynced()).toBe(true);
    expect(w.hasSyncedRef(namespace, 'later')).toBe(true);
    expect(w.get(namespace, 'later')).toBeUndefined();
    expect(events).toEqual([key('later')]);

    await createSecret('later', { restfulId: 'id', restfulSecret: 's' });
    await until(() => events.length === 2, 'the creation event');
    expect(w.get(namespace, 'later')?.data?.restfulId).toBe(b64('id'));

    await core.deleteNamespacedSecret({ name: 'later', namespace });
    await until(() => events.length === 3, 'the deletion event');
    expect(w.get(namespace, 'later')).toBeUndefined();
  });

  it('sync() starts what is newly wanted and stops what is not wanted any more', async () => {
    const w = await setup();
    await createSecret('a', { restfulId: 'a' });
    await createSecret('b', { restfulId: 'b' });
    w.sync([
      { namespace, name: 'a' },
      { namespace, name: 'b' },
    ]);
    await w.waitForSync(AbortSignal.timeout(20_000));
    expect(w.get(namespace, 'a')).toBeDefined();

    w.sync([{ namespace, name: 'b' }]);
    expect(w.refs()).toEqual([{ namespace, name: 'b' }]);
    expect(w.get(namespace, 'a')).toBeUndefined();
    expect(w.hasSyncedRef(namespace, 'a')).toBe(false);
    events.length = 0;
    await patchSecret('a', { data: { restfulId: b64('a2') } });
    await patchSecret('b', { data: { restfulId: b64('b2') } });
    await until(() => events.includes(key('b')), 'the change of b');
    expect(events).toEqual([key('b')]);
  });

  it('waitForSync gives up when its signal aborts, and has nothing to wait for once the Secret is not wanted', async () => {
    const unreachable = new SecretWatches({ kubeConfig: unreachableKubeConfig(), logger });
    try {
      unreachable.sync([{ namespace: 'default', name: 'x' }]);
      expect(unreachable.hasSynced()).toBe(false);
      const aborted = new AbortController();
      const waiting = unreachable.waitForSync(aborted.signal);
      aborted.abort(new Error('gave up'));
      await expect(waiting).rejects.toThrow('gave up');
      const stillWaiting = unreachable.waitForSync(AbortSignal.timeout(10_000));
      unreachable.sync([]);
      await stillWaiting;
      expect(unreachable.hasSynced()).toBe(true);
    } finally {
      await unreachable.stop();
    }
  });
});

/** The shared control plane's credentials aimed at a port where nothing listens. */
function unreachableKubeConfig(): KubeConfig {
  const copy = kubeConfigFromInjected();
  const current = copy.getCurrentCluster()!;
  const broken = new KubeConfig();
  broken.loadFromOptions({
    clusters: copy.getClusters().map((c) => (c.name === current.name ? { ...c, server: 'https://127.0.0.1:1' } : c)),
    users: copy.getUsers(),
    contexts: copy.getContexts(),
    currentContext: copy.getCurrentContext(),
  });
  return broken;
}

describe('NamespaceCache', () => {
  let cache: NamespaceCache | undefined;

  afterEach(async () => {
    await cache?.stop();
    cache = undefined;
  });

  it("keeps labels and the operator's annotations, and fires only when they change", async () => {
    cache = new NamespaceCache({ kubeConfig: kc, logger });
    const changed: string[] = [];
    cache.onChange((ns) => void changed.push(ns));
    cache.start();
    await cache.waitForSync(AbortSignal.timeout(20_000));

    const ns = await createNamespace(kc, 'namespace-cache');
    const patchNs = (body: object) => core.patchNamespace({ name: ns, body }, mergePatch);
    await until(() => cache?.get(ns) !== undefined, 'the new namespace');
    await patchNs({ metadata: { annotations: { 'rtmp.jocloud.com/allowed-appids': '1,2', 'example.com/config': 'y'.repeat(5_000) } } });
    await until(() => cache?.get(ns)?.annotations['rtmp.jocloud.com/allowed-appids'] === '1,2', 'the annotation');
    expect(cache.get(ns)?.annotations).toEqual({ 'rtmp.jocloud.com/allowed-appids': '1,2' });
    expect(cache.get(ns)?.labels).toMatchObject({ 'rtmp-push-operator.test/harness': 'true' });
    expect(changed.filter((n) => n === ns)).toHaveLength(2);

    await patchNs({ metadata: { annotations: { 'example.com/config': 'z' } } });
    await patchNs({ metadata: { labels: { tier: 'gold' } } });
    await until(() => cache?.get(ns)?.labels.tier === 'gold', 'the label');
    // The dropped annotation's change came first on the same watch and fired nothing.
    expect(changed.filter((n) => n === ns)).toHaveLength(3);
  });
});
