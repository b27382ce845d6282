// The informer against a scripted fake apiserver (plain HTTP), for the branches a real one will
// not produce on demand: HTTP 410 on a watch, an ERROR 410 event, a watch that goes silent or
// never answers, 5xx errors, paging with an expired continue token.
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiserver, type Obj } from './informer-fake-apiserver.test-support.js';
import { Informer, type InformerOptions } from './informer.js';
import { LAST_APPLIED_ANNOTATION } from './slim-object.js';

type Seen = string[];

function recordEvents(informer: Informer<Obj>): Seen {
  const seen: Seen = [];
  informer.on('add', (o) => void seen.push(`add ${o.metadata.name}=${o.data.value}`));
  informer.on('update', (o, old) => void seen.push(`update ${o.metadata.name}=${old.data.value}->${o.data.value}`));
  informer.on('delete', (o) => void seen.push(`delete ${o.metadata.name}`));
  return seen;
}

async function until(predicate: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Informer (fake apiserver)', () => {
  let api: FakeApiserver;
  let kubeConfig: KubeConfig;
  let informer: Informer<Obj> | undefined;
  const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });

  beforeEach(async () => {
    api = new FakeApiserver();
    const server = await api.start();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser({ name: 'fake', server, skipTLSVerify: true }, { name: 'u', token: 't' });
  });

  afterEach(async () => {
    await informer?.stop();
    informer = undefined;
    await api.close();
  });

  function makeInformer(extra: Partial<InformerOptions<Obj>> = {}): Informer<Obj> {
    informer = new Informer<Obj>({
      kubeConfig,
      path: '/api/v1/namespaces/ns/configmaps',
      logger,
      watchdogMs: 5_000,
      watchTimeoutSeconds: 300,
      backoffBaseMs: 10,
      backoffMaxMs: 50,
      ...extra,
    });
    return informer;
  }

  it('lists, fills in kind/apiVersion, then follows adds, updates and deletes', async () => {
    api.put('a', '1');
    const inf = makeInformer();
    const seen = recordEvents(inf);
    inf.start();
    await inf.waitForSync();
    expect(inf.hasSynced()).toBe(true);
    expect(inf.get('ns', 'a')).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', data: { value: '1' } });
    await until(() => api.watchCount() === 1, 'watch started');
    api.put('b', '1');
    api.put('a', '2');
    api.remove('b');
    await until(() => seen.length === 4, 'four events');
    expect(seen).toEqual(['add a=1', 'add b=1', 'update a=1->2', 'delete b']);
    expect(inf.list().map((o) => o.metadata.name)).toEqual(['a']);
    expect(inf.list('other')).toEqual([]);
    expect(inf.stats().resourceVersion).toBe(String(api.rv));
  });

  it('asks the apiserver for bookmarks, a server-side timeout and the list resourceVersion', async () => {
    api.put('a', '1');
    const inf = makeInformer({ labelSelector: 'app=x' });
    inf.start();
    await until(() => api.watchCount() === 1, 'watch started');
    const watchUrl = new URL(api.requests.find((r) => r.includes('watch=true'))!, 'http://x');
    expect(Object.fromEntries(watchUrl.searchParams)).toMatchObject({
      watch: 'true',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '300',
      resourceVersion: String(api.rv),
      labelSelector: 'app=x',
    });
  });

  it.each([
    { reason: 'an HTTP 410 answer to the watch', expire: (a: FakeApiserver) => (a.compactedBelow = a.rv + 1) },
    { reason: 'an ERROR event with code 410', expire: (a: FakeApiserver) => (a.watchMode = 'error410') },
  ])('re-lists after $reason and emits exactly what changed meanwhile', async ({ expire }) => {
    api.put('keep', '1');
    api.put('change', '1');
    api.put('gone', '1');
    const inf = makeInformer();
    const seen = recordEvents(inf);
    const restarts: string[] = [];
    inf.on('restart', ({ reason, relist }) => void restarts.push(`${reason}${relist ? '+relist' : ''}`));
    inf.start();
    await until(() => seen.length === 3 && api.watchCount() === 1, 'initial sync');
    // Changes the informer does not hear about, then its watch breaks and cannot resume.
    api.holdBroadcast = true;
    api.put('change', '2');
    api.remove('gone');
    api.put('new', '1');
    expire(api);
    api.dropWatchers();
    await until(() => inf.stats().lists >= 2, 'second list');
    api.watchMode = 'normal';
    expect(seen.slice(3).sort()).toEqual(['add new=1', 'delete gone', 'update change=1->2']);
    // The dropped stream is an error (resume from the last resourceVersion), which then expires.
    expect(restarts).toContain('expired+relist');
    expect(inf.list().map((o) => o.metadata.name).sort()).toEqual(['change', 'keep', 'new']);
  });

  it('resumes from the last resourceVersion after the stream drops, without duplicates', async () => {
    api.put('a', '1');
    const inf = makeInformer();
    const seen = recordEvents(inf);
    inf.start();
    await until(() => api.watchCount() === 1, 'watch started');
    api.holdBroadcast = true;
    api.put('a', '2');
    api.put('b', '1');
    api.dropWatchers();
    api.holdBroadcast = false;
    await until(() => seen.length === 3, 'catch-up events');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['add a=1', 'update a=1->2', 'add b=1']);
    expect(inf.stats().lists).toBe(1);
  });

  it('does not spin when every watch is refused as expired', async () => {
    api.put('a', '1');
    api.watchMode = 'error410';
    const inf = makeInformer();
    inf.start();
    await new Promise((r) => setTimeout(r, 300));
    const lists = inf.stats().lists;
    expect(lists).toBeGreaterThanOrEqual(3);
    // 10 ms doubling to 50 ms: about ten rounds in 300 ms; without backoff it would be hundreds.
    expect(lists).toBeLessThan(20);
  });

  it('re-watches from the last resourceVersion when the server ends a watch normally', async () => {
    api.put('a', '1');
    const inf = makeInformer();
    const seen = recordEvents(inf);
    const restarts: unknown[] = [];
    inf.on('restart', (info) => void restarts.push(info));
    inf.start();
    await until(() => api.watchCount() === 1, 'first watch');
    api.put('a', '2');
    await until(() => seen.length === 2, 'update');
    api.endWatchers();
    await until(() => api.watchCount() === 2, 'second watch');
    const second = new URL(api.requests.filter((r) => r.includes('watch=true'))[1]!, 'http://x');
    expect(second.searchParams.get('resourceVersion')).toBe(String(api.rv));
    api.put('a', '3');
    await until(() => seen.length === 3, 'update after re-watch');
    expect(seen).toEqual(['add a=1', 'update a=1->2', 'update a=2->3']);
    expect(restarts).toEqual([]);
    expect(inf.stats().lists).toBe(1);
  });

  it.each([
    { reason: 'a watch whose connect never completes', mode: 'hang' as const },
    { reason: 'a watch that answered but went silent', mode: 'silent' as const },
  ])('restarts $reason after watchdogMs and catches up', async ({ mode }) => {
    api.put('a', '1');
    const inf = makeInformer({ watchdogMs: 250 });
    const seen = recordEvents(inf);
    const restarts: string[] = [];
    inf.on('restart', ({ reason }) => void restarts.push(reason));
    api.watchMode = mode;
    inf.start();
    await inf.waitForSync();
    await until(() => api.watchCount() === 1, 'first watch');
    api.put('a', '2');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(['add a=1']);
    api.watchMode = 'normal';
    await until(() => seen.length === 2, 'change seen after the watchdog restart');
    expect(seen[1]).toBe('update a=1->2');
    expect(restarts).toContain('watchdog');
    expect(inf.stats().restarts.watchdog).toBeGreaterThanOrEqual(1);
    expect(inf.stats().lists).toBe(1);
  });

  it('retries a failing watch with backoff, reporting errors, without re-listing', async () => {
    api.put('a', '1');
    api.watchMode = 'http500';
    const inf = makeInformer();
    const errors: unknown[] = [];
    inf.on('error', (e) => void errors.push(e));
    const seen = recordEvents(inf);
    inf.start();
    await until(() => errors.length >= 2, 'two errors');
    expect(String(errors[0])).toMatch(/HTTP 500: etcd is having a bad day/);
    api.watchMode = 'normal';
    api.put('a', '2');
    await until(() => seen.length === 2, 'recovered');
    expect(seen).toEqual(['add a=1', 'update a=1->2']);
    expect(inf.stats().lists).toBe(1);
    expect(inf.stats().restarts.error).toBeGreaterThanOrEqual(2);
  });

  it('lists from the watch cache first (resourceVersion=0, one piece), as client-go does', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) api.put(name, '1');
    const inf = makeInformer({ pageSize: 2 });
    inf.start();
    await inf.waitForSync();
    expect(inf.list()).toHaveLength(5);
    const lists = api.requests.filter((r) => !r.includes('watch=true'));
    expect(lists).toHaveLength(1);
    expect(lists[0]).toContain('resourceVersion=0');
    expect(lists[0]).not.toContain('limit=');
  });

  it('relists by pages of a consistent read, and starts over when a continue token expires', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) api.put(name, '1');
    const inf = makeInformer({ pageSize: 2 });
    inf.start();
    await until(() => inf.hasSynced() && api.watchCount() === 1, 'initial sync');
    api.expireContinueTokens = true;
    api.compactedBelow = api.rv + 1;
    api.dropWatchers();
    await until(() => inf.stats().lists >= 2, 'relist');
    api.compactedBelow = 0;
    expect(inf.list().map((o) => o.metadata.name).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    // page 1, page 2 (410), then page 1, 2, 3 again
    const relists = api.requests.filter((r) => !r.includes('watch=true')).slice(1, 6);
    expect(relists.map((r) => new URL(r, 'http://x').searchParams.get('continue'))).toEqual([null, '2', null, '2', '4']);
    expect(relists.every((r) => r.includes('limit=2') && !r.includes('resourceVersion=0'))).toBe(true);
  });

  it('keeps delivering events when a handler throws or rejects', async () => {
    const inf = makeInformer();
    const names: string[] = [];
    inf.on('add', () => {
      throw new Error('sync failure');
    });
    inf.on('add', () => Promise.reject(new Error('async failure')));
    inf.on('add', (o) => void names.push(o.metadata.name));
    inf.start();
    await inf.waitForSync();
    await until(() => api.watchCount() === 1, 'watch started');
    api.put('a', '1');
    api.put('b', '1');
    await until(() => names.length === 2, 'both adds');
    expect(names).toEqual(['a', 'b']);
  });

  it('caches objects without managedFields and the last-applied annotation unless told otherwise', async () => {
    const heavy = {
      annotations: { [LAST_APPLIED_ANNOTATION]: '{"big":"copy"}', team: 'video' },
      managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:data': {} } }],
    };
    api.put('listed', '1', heavy);
    const inf = makeInformer();
    const handed: Obj[] = [];
    inf.on('add', (o) => void handed.push(o));
    inf.on('update', (o) => void handed.push(o));
    inf.start();
    await inf.waitForSync();
    await until(() => api.watchCount() === 1, 'watch started');
    api.put('watched', '1', heavy);
    api.put('listed', '2', { managedFields: heavy.managedFields });
    await until(() => handed.length === 3, 'three events');
    for (const o of [...handed, ...inf.list()]) {
      expect(o.metadata).not.toHaveProperty('managedFields');
      expect(o.metadata.annotations?.[LAST_APPLIED_ANNOTATION]).toBeUndefined();
    }
    expect(inf.get('ns', 'watched')?.metadata.annotations).toEqual({ team: 'video' });
    expect(inf.get('ns', 'listed')?.metadata).not.toHaveProperty('annotations');
    await inf.stop();

    const full = makeInformer({ transform: (o) => o });
    full.start();
    await full.waitForSync();
    expect(full.get('ns', 'watched')?.metadata).toMatchObject(heavy);
  });

  it('skips objects the decoder rejects', async () => {
    api.put('good', '1');
    api.put('bad', '1');
    const inf = makeInformer({
      decode: (raw) => {
        const o = raw as Obj;
        if (o.metadata.name === 'bad') throw new Error('invalid');
        return o;
      },
    });
    inf.start();
    await inf.waitForSync();
    expect(inf.list().map((o) => o.metadata.name)).toEqual(['good']);
  });

  it('stop() ends the loop and rejects waitForSync when the list never succeeded', async () => {
    api.listFails = true;
    const inf = makeInformer();
    const errors: unknown[] = [];
    inf.on('error', (e) => void errors.push(e));
    inf.start();
    const waiting = inf.waitForSync();
    await until(() => errors.length >= 1, 'a failed list');
    expect(inf.hasSynced()).toBe(false);
    await inf.stop();
    await expect(waiting).rejects.toThrow(/stopped before it synced/);
    const requestsAfterStop = api.requests.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(api.requests.length).toBe(requestsAfterStop);
  });

  it('stop() right after the first sync does not leave a watch running', async () => {
    const inf = makeInformer({ watchdogMs: 5_000 });
    inf.start();
    await inf.waitForSync();
    const before = Date.now();
    await inf.stop();
    expect(Date.now() - before).toBeLessThan(1_000);
  });

  it('waitForSync rejects when its signal aborts', async () => {
    api.listFails = true;
    const inf = makeInformer();
    inf.start();
    await expect(inf.waitForSync(AbortSignal.timeout(30))).rejects.toThrow();
  });
});
