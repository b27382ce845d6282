import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { CallbackReport } from './fold.js';
import { KubeHttpError } from '../runtime/kube-client.js';
import { PriorityGate } from '../runtime/priority-gate.js';
import { CallbackWriter, StatusWriteCounter, type CallbackWriterOptions } from './callback-writer.js';
import { FakeCluster, silentLogger } from './fake-cluster.test-support.js';

const KEY = 'ns/t';
const A = 'rtmp://cdn.example.com/live/a?auth_key=secret-a';
const B = 'rtmp://cdn.example.com/live/b';

function runningTask(over: { rtmpurls?: string[]; suspend?: boolean } = {}): UnvalidatedRtmpPushTask {
  return {
    apiVersion: 'rtmp.jocloud.com/v1alpha1',
    kind: 'RtmpPushTask',
    metadata: { namespace: 'ns', name: 't', generation: 2 },
    spec: { appid: '1470236061', roomid: '123', streamtype: 2, uid: '111', rtmpurls: over.rtmpurls ?? [A], suspend: over.suspend ?? false },
    status: {
      observedGeneration: 2,
      active: { appid: '1470236061', roomid: '123', streamtype: 2, uid: '111' },
      conditions: [{ type: 'Synced', status: 'True', reason: 'Accepted', message: 'ok', lastTransitionTime: '2026-11-25T09:00:00Z', observedGeneration: 2 }],
    },
  };
}

const heartbeat = (version: bigint, over: Partial<CallbackReport> = {}): CallbackReport => ({ url: A, status: 3000, errcode: 0, description: 'ok', version, ...over });

const writers: CallbackWriter[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(writers.splice(0).map((w) => w.shutdown({ deadlineMs: 100 })));
});

function setup(cluster: FakeCluster, over: Partial<CallbackWriterOptions> = {}): { writer: CallbackWriter; counter: StatusWriteCounter } {
  const counter = new StatusWriteCounter();
  const writer = new CallbackWriter({
    getTask: cluster.getTask,
    store: cluster,
    logger: silentLogger,
    refreshMs: 60_000,
    staleMs: 300_000,
    hooks: counter,
    queue: { baseDelayMs: 5, maxDelayMs: 20, jitter: 0 },
    ...over,
  });
  writers.push(writer);
  writer.start();
  return { writer, counter };
}

function destinationsOf(cluster: FakeCluster): Array<Record<string, unknown>> {
  return ((cluster.current?.status as { destinations?: Array<Record<string, unknown>> } | undefined)?.destinations ?? []);
}
function conditionOf(cluster: FakeCluster, type: string): Record<string, unknown> | undefined {
  const list = (cluster.current?.status as { conditions?: Array<Record<string, unknown>> } | undefined)?.conditions ?? [];
  return list.find((c) => c.type === type);
}

describe('CallbackWriter: write economy', () => {
  it.each<[string, number]>([
    ['the cache sees writes at once', 0],
    ['the cache lags behind writes (as a watch does)', 30],
  ])('a burst of 500 identical heartbeats costs at most 2 writes: %s', async (_reason, lag) => {
    const cluster = new FakeCluster(runningTask());
    cluster.cacheLagMs = lag;
    const { writer, counter } = setup(cluster);
    for (let i = 0; i < 500; i++) {
      writer.record(KEY, heartbeat(1000n + BigInt(i)));
      // Let the worker run between some of them, as callbacks arriving over time would.
      if (i % 25 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await writer.whenIdle();
    expect(counter.writes).toBeGreaterThanOrEqual(1);
    expect(counter.writes).toBeLessThanOrEqual(2);
    expect(counter.failures).toBe(0);
    // Our own last write stands in for a cache that has not caught up, so no 409 round trips.
    expect(counter.conflicts).toBe(0);
    expect(destinationsOf(cluster)).toMatchObject([{ state: 'Pushing', code: 3000 }]);
    expect(conditionOf(cluster, 'Streaming')).toMatchObject({ status: 'True', observedGeneration: 2 });
    expect(conditionOf(cluster, 'Ready')).toMatchObject({ status: 'True', reason: 'Streaming' });
  });

  it('rewrites lastCallbackTime once the refresh interval has passed, not before', async () => {
    let now = new Date('2026-11-25T10:00:00Z');
    const cluster = new FakeCluster(runningTask());
    const { writer, counter } = setup(cluster, { now: () => now });
    writer.record(KEY, heartbeat(1n));
    await writer.whenIdle();
    now = new Date('2026-11-25T10:00:59Z');
    writer.record(KEY, heartbeat(2n));
    await writer.whenIdle();
    expect(counter.writes).toBe(1);
    now = new Date('2026-11-25T10:01:01Z');
    writer.record(KEY, heartbeat(3n));
    await writer.whenIdle();
    expect(counter.writes).toBe(2);
    expect(destinationsOf(cluster)).toMatchObject([{ lastCallbackTime: '2026-11-25T10:01:01.000Z', version: '3' }]);
  });
});

describe('CallbackWriter: version ordering', () => {
  it('drops a report not newer than one this replica already has, at once', () => {
    const cluster = new FakeCluster(runningTask());
    const { writer } = setup(cluster);
    expect(writer.record(KEY, heartbeat(10n, { status: 3002 }))).toBe('recorded');
    expect(writer.record(KEY, heartbeat(9n))).toBe('stale');
    expect(writer.record(KEY, heartbeat(10n))).toBe('stale');
    expect(writer.record(KEY, heartbeat(11n))).toBe('recorded');
  });

  it('versions are per address', () => {
    const cluster = new FakeCluster(runningTask({ rtmpurls: [A, B] }));
    const { writer } = setup(cluster);
    expect(writer.record(KEY, heartbeat(10n))).toBe('recorded');
    expect(writer.record(KEY, heartbeat(5n, { url: B }))).toBe('recorded');
  });

  it('the newest report wins even when an older one arrives later', async () => {
    const cluster = new FakeCluster(runningTask());
    const { writer } = setup(cluster);
    writer.record(KEY, heartbeat(20n, { status: 3002, errcode: 1003 }));
    writer.record(KEY, heartbeat(19n));
    await writer.whenIdle();
    writer.record(KEY, heartbeat(18n));
    await writer.whenIdle();
    expect(destinationsOf(cluster)).toMatchObject([{ state: 'Interrupted', version: '20' }]);
  });

  it('a report older than what the other replica already wrote does not overwrite it', async () => {
    const cluster = new FakeCluster(runningTask());
    cluster.externalStatusWrite({
      destinations: [{ url: 'rtmp://cdn.example.com/live/a?auth_key=REDACTED', state: 'Interrupted', code: 3002, errcode: 1003, description: 'x', lastCallbackTime: '2026-11-25T09:59:00.000Z', version: '50' }],
    });
    const { writer } = setup(cluster);
    writer.record(KEY, heartbeat(49n));
    await writer.whenIdle();
    expect(destinationsOf(cluster)).toMatchObject([{ state: 'Interrupted', version: '50' }]);
  });
});

describe('CallbackWriter: optimistic concurrency', () => {
  it('on 409 re-reads the object and writes on top of the other change', async () => {
    const cluster = new FakeCluster(runningTask());
    cluster.beforePatch = (n) => {
      if (n === 0) cluster.externalStatusWrite({ lastTraceId: 'from-the-reconciler' });
    };
    const { writer, counter } = setup(cluster);
    writer.record(KEY, heartbeat(1n));
    await writer.whenIdle();
    expect(counter.conflicts).toBe(1);
    expect(counter.writes).toBe(1);
    expect(cluster.gets).toBe(1);
    expect(cluster.patches.map((p) => p.resourceVersion)).toEqual(['1', '2']);
    expect(cluster.current?.status).toMatchObject({ lastTraceId: 'from-the-reconciler', destinations: [{ state: 'Pushing' }] });
  });

  it('after a 409 the fresh object decides: a write that became unnecessary is skipped', async () => {
    const cluster = new FakeCluster(runningTask());
    const { writer, counter } = setup(cluster);
    writer.record(KEY, heartbeat(1n));
    await writer.whenIdle();
    // The other replica meanwhile wrote a newer report (same state as before), which this
    // replica's cache has not seen: the 3002 here is older, so nothing is left to write.
    cluster.cacheLagMs = 10_000;
    cluster.beforePatch = (n) => {
      if (n === 1) cluster.externalStatusWrite({ destinations: [{ ...destinationsOf(cluster)[0], version: '3' }] });
    };
    writer.record(KEY, heartbeat(2n, { status: 3002 }));
    await writer.whenIdle();
    expect(counter.conflicts).toBe(1);
    expect(counter.writes).toBe(1);
    expect(counter.skips).toBe(1);
  });

  it('gives up after the bounded retries, keeps the reports, and succeeds on a later run', async () => {
    const cluster = new FakeCluster(runningTask());
    let conflicts = 0;
    cluster.beforePatch = () => {
      if (conflicts < 3) {
        conflicts += 1;
        cluster.externalStatusWrite({ lastTraceId: `t${conflicts}` });
      }
    };
    const { writer, counter } = setup(cluster, { maxConflictRetries: 1 });
    writer.record(KEY, heartbeat(1n));
    await writer.whenIdle();
    expect(counter.failures).toBe(1);
    expect(counter.conflicts).toBe(3);
    expect(counter.writes).toBe(1);
    expect(destinationsOf(cluster)).toMatchObject([{ state: 'Pushing', version: '1' }]);
  });

  it('a failed write keeps its reports but a newer report arriving meanwhile wins', async () => {
    const cluster = new FakeCluster(runningTask());
    let failed = false;
    const { writer, counter } = setup(cluster);
    cluster.beforePatch = () => {
      if (!failed) {
        failed = true;
        writer.record(KEY, heartbeat(2n, { status: 3001 }));
        throw new KubeHttpError(500, 'etcd is sad');
      }
    };
    writer.record(KEY, heartbeat(1n));
    await writer.whenIdle();
    expect(counter.failures).toBe(1);
    expect(destinationsOf(cluster)).toMatchObject([{ state: 'SourceUnavailable', version: '2' }]);
  });
});

describe('CallbackWriter: lifecycle', () => {
  it('a 3003 for a running task is written and handed to onTerminated once', async () => {
    const cluster = new FakeCluster(runningTask());
    const terminated: string[] = [];
    const { writer } = setup(cluster, { onTerminated: (k) => terminated.push(k) });
    writer.record(KEY, heartbeat(1n));
    await writer.whenIdle();
    writer.record(KEY, heartbeat(2n, { status: 3003, errcode: 2001 }));
    await writer.whenIdle();
    writer.record(KEY, heartbeat(3n, { status: 3003, errcode: 2001 }));
    await writer.whenIdle();
    expect(terminated).toEqual([KEY]);
    expect(destinationsOf(cluster)).toMatchObject([{ state: 'Terminated', version: '2' }]);
    expect(conditionOf(cluster, 'Streaming')).toMatchObject({ status: 'False', reason: 'Terminated' });
  });

  it('a 3003 for a suspended task is recorded without onTerminated', async () => {
    const cluster = new FakeCluster(runningTask({ suspend: true }));
    const terminated: string[] = [];
    const { writer } = setup(cluster, { onTerminated: (k) => terminated.push(k) });
    writer.record(KEY, heartbeat(2n, { status: 3003 }));
    await writer.whenIdle();
    expect(terminated).toEqual([]);
    expect(destinationsOf(cluster)).toMatchObject([{ state: 'Terminated' }]);
  });

  it('reports for a deleted task are dropped without a write', async () => {
    const cluster = new FakeCluster(runningTask());
    cluster.delete();
    const { writer, counter } = setup(cluster);
    writer.record(KEY, heartbeat(1n));
    await writer.whenIdle();
    expect(cluster.patches).toHaveLength(0);
    expect(counter.failures).toBe(0);
  });

  it('a task deleted between read and write (404) is not retried', async () => {
    const cluster = new FakeCluster(runningTask());
    cluster.beforePatch = () => cluster.delete();
    const { writer, counter } = setup(cluster);
    writer.record(KEY, heartbeat(1n));
    await writer.whenIdle();
    expect(cluster.patches).toHaveLength(1);
    expect(counter.failures).toBe(0);
  });

  it('turns Streaming Unknown when the vendor goes silent past the stale window', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(new Date('2026-11-25T10:00:00Z'));
    const cluster = new FakeCluster(runningTask());
    const { writer, counter } = setup(cluster, { staleMs: 120_000 });
    writer.record(KEY, heartbeat(1n));
    await vi.advanceTimersByTimeAsync(10);
    expect(conditionOf(cluster, 'Streaming')).toMatchObject({ status: 'True' });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(conditionOf(cluster, 'Streaming')).toMatchObject({ status: 'True' });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(conditionOf(cluster, 'Streaming')).toMatchObject({ status: 'Unknown', reason: 'CallbacksStale' });
    expect(conditionOf(cluster, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'CallbacksStale' });
    expect(counter.writes).toBe(2);
  });

  it('shutdown writes what is still waiting', async () => {
    const cluster = new FakeCluster(runningTask());
    const { writer } = setup(cluster);
    writer.record(KEY, heartbeat(1n));
    await writer.shutdown({ deadlineMs: 1_000 });
    expect(destinationsOf(cluster)).toMatchObject([{ state: 'Pushing' }]);
  });
});

describe('CallbackWriter: gives way to reconciles', () => {
  it('holds a heartbeat while the gate is closed and writes it once the gate opens', async () => {
    const cluster = new FakeCluster(runningTask());
    let busy = true;
    const gate = new PriorityGate({ busy: () => busy, maxWaitMs: 60_000, pollMs: 1 });
    const { writer, counter } = setup(cluster, { gate });
    writer.record(KEY, heartbeat(1000n));
    await new Promise((r) => setTimeout(r, 30));
    expect(counter.writes).toBe(0);
    busy = false;
    await writer.whenIdle();
    expect(counter.writes).toBe(1);
    expect(destinationsOf(cluster)).toMatchObject([{ state: 'Pushing', code: 3000 }]);
  });

  it('never holds a 3003: someone waits on it, and it drives a restart', async () => {
    const cluster = new FakeCluster(runningTask());
    const gate = new PriorityGate({ busy: () => true, maxWaitMs: 60_000, pollMs: 1 });
    const { writer, counter } = setup(cluster, { gate });
    await writer.recordDurably(KEY, heartbeat(1000n, { status: 3003, description: 'terminated' }));
    expect(counter.writes).toBe(1);
    expect(destinationsOf(cluster)).toMatchObject([{ state: 'Terminated' }]);
  });

  it('holds a report no longer than the gate allows after it arrived', async () => {
    const cluster = new FakeCluster(runningTask());
    const gate = new PriorityGate({ busy: () => true, maxWaitMs: 40, pollMs: 1 });
    const { writer, counter } = setup(cluster, { gate });
    writer.record(KEY, heartbeat(1000n));
    await writer.whenIdle();
    expect(counter.writes).toBe(1);
  });
});
