import { describe, expect, it } from 'vitest';
import { FINALIZER, START_INTENT_ANNOTATION } from '../api/v1alpha1/constants.js';
import type { RtmpPushTaskStatus } from '../api/v1alpha1/status.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { StatusWriter } from '../runtime/status-writer.js';
import { IdentityOwnership } from './ownership.js';
import { Reconciler, RetryLater, type ReconcileResult } from './reconciler.js';
import { TaskWrites } from './task-writes.js';
import { credentialsSecret, EventLog, FakeTasks, ScriptedVendor, silent, type Scripted } from './testing/fake-tasks.test-support.js';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const RETRY_MS = 300_000;

function spec(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    roomid: '123',
    streamtype: 1,
    taskid: 'show-1',
    rtmpurls: ['rtmp://push.example.com/live/a?auth_key=k1'],
    mixconfig: { templateid: 1, output: { streamtype: 2, audiobitrate: 64, audiochannel: 2, audiosample: 44100, audioencode: 1 } },
    ...over,
  };
}

function newTask(name = 't', over: Record<string, unknown> = {}, created = '2026-11-28T10:00:00Z'): UnvalidatedRtmpPushTask {
  return {
    apiVersion: 'rtmp.jocloud.com/v1alpha1',
    kind: 'RtmpPushTask',
    metadata: { namespace: 'ns', name, uid: `uid-${name}`, generation: 1, creationTimestamp: created },
    spec: spec(over),
  };
}

function setup(opts: { ownership?: boolean; now?: () => Date } = {}) {
  const tasks = new FakeTasks();
  const vendor = new ScriptedVendor();
  const events = new EventLog();
  const secrets = new Map([
    ['ops/jc', credentialsSecret('ops', 'jc', 'default-id')],
    ['ns/own', credentialsSecret('ns', 'own', 'own-id')],
  ]);
  let ids = 0;
  const writes = new TaskWrites(tasks, new StatusWriter(tasks), () => ({
    now: NOW,
    callbacksEnabled: false,
    staleMs: 300_000,
    pushFailingAfterMs: 120_000,
    pushFailingAfterRestarts: 3,
  }));
  const ownership = opts.ownership === true ? new IdentityOwnership({ defaultAppid: '1470236061' }) : undefined;
  const reconciler = new Reconciler(
    {
      getTask: tasks.getTask,
      getSecret: (ns, name) => secrets.get(`${ns}/${name}`),
      writes,
      vendor,
      events,
      logger: silent,
      ownership,
      newIntentId: () => `intent-${++ids}`,
    },
    { defaultAppid: '1470236061', defaultCredentials: { namespace: 'ops', name: 'jc' }, callbacksEnabled: false, staleAfterMs: 300_000, credentialsRetryMs: RETRY_MS, now: opts.now ?? (() => NOW) },
  );
  const reconcile = async (name = 't'): Promise<ReconcileResult | RetryLater> => {
    if (ownership !== undefined) for (const t of ['t', 'u', 'v']) { const cur = tasks.current(`ns/${t}`); if (cur !== undefined) ownership.upsert(cur); }
    try {
      return await reconciler.reconcile('ns', name, new AbortController().signal);
    } catch (err) {
      if (err instanceof RetryLater) return err;
      throw err;
    }
  };
  const status = (name = 't'): RtmpPushTaskStatus => (tasks.current(`ns/${name}`)?.status ?? {});
  const cond = (type: string, name = 't') => status(name).conditions?.find((c) => c.type === type);
  const edit = (name: string, change: (t: UnvalidatedRtmpPushTask) => UnvalidatedRtmpPushTask): void => {
    const cur = tasks.current(`ns/${name}`);
    if (cur === undefined) throw new Error('no such task');
    const next = change(cur);
    tasks.put({ ...next, metadata: { ...next.metadata, generation: (cur.metadata.generation ?? 1) + (next.spec === cur.spec ? 0 : 1) } });
  };
  return { tasks, vendor, events, secrets, reconcile, status, cond, edit, ownership };
}

describe('Reconciler: a new task', () => {
  it('starts with two writes: the finalizer and start intent first, then the outcome with its conditions', async () => {
    const s = setup();
    s.tasks.put(newTask());
    expect(await s.reconcile()).toEqual({});
    expect(s.vendor.calls.map((c) => c.endpoint)).toEqual(['startrtmp']);
    expect(s.tasks.writes.map((w) => w.kind)).toEqual(['metadata', 'status']);
    const t = s.tasks.current('ns/t');
    expect(t?.metadata.finalizers).toEqual([FINALIZER]);
    expect(JSON.parse(t?.metadata.annotations?.[START_INTENT_ANNOTATION] ?? '{}')).toMatchObject({ id: 'intent-1', taskid: 'show-1', credentialsSecretRef: { namespace: 'ops', name: 'jc' } });
    expect(s.status()).toMatchObject({ active: { taskid: 'show-1', credentialsSecretRef: { namespace: 'ops', name: 'jc' } }, settledIntent: 'intent-1', observedGeneration: 1 });
    expect(s.cond('Synced')).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(s.cond('Ready')).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(s.cond('Reconciling')).toBeUndefined();
    expect(s.cond('Stalled')).toBeUndefined();
    expect(s.events.reasons()).toEqual(['Started']);
  });

  it('makes no call and no write when reconciled again (restart, status-only change)', async () => {
    const s = setup();
    s.tasks.put(newTask());
    await s.reconcile();
    const writes = s.tasks.writes.length;
    expect(await s.reconcile()).toEqual({});
    expect(s.vendor.calls).toHaveLength(1);
    expect(s.tasks.writes).toHaveLength(writes);
  });
});

describe('Reconciler: a push the vendor terminated (3003)', () => {
  const terminated = (at: Date) => [
    { url: 'rtmp://push.example.com/live/a?auth_key=REDACTED', state: 'Terminated' as const, code: 3003, errcode: 0, description: '', lastCallbackTime: at.toISOString(), version: '2' },
  ];

  it('waits out the settle time, then starts again', async () => {
    let clock = NOW;
    const s = setup({ now: () => clock });
    s.tasks.put(newTask());
    await s.reconcile();
    s.edit('t', (t) => ({ ...t, status: { ...s.status(), destinations: terminated(new Date(NOW.getTime() + 1_000)) } }));
    clock = new Date(NOW.getTime() + 2_000);
    expect(await s.reconcile()).toEqual({ requeueAfterMs: 3_000 });
    expect(s.cond('Reconciling')).toMatchObject({ status: 'True', reason: 'Restarting' });
    clock = new Date(NOW.getTime() + 5_000);
    await s.reconcile();
    expect(s.vendor.calls.map((c) => c.endpoint)).toEqual(['startrtmp', 'startrtmp']);
    expect(s.events.reasons()).toEqual(['Started', 'Restarted']);
  });

  it('still requeues a restart that falls due while its status is being written', async () => {
    // A timer can fire a few milliseconds before the wall clock reaches its time (Node computes
    // it from the event loop's cached time): the reconcile it starts finds the restart not quite
    // due, and by the time the Reconciling condition is written it is. Dropping that requeue left
    // the push terminated until something else touched the task.
    const restartAt = NOW.getTime() + 5_000;
    let reads = 0;
    let clock: () => Date = () => NOW;
    const s = setup({ now: () => clock() });
    s.tasks.put(newTask());
    await s.reconcile();
    s.edit('t', (t) => ({ ...t, status: { ...s.status(), destinations: terminated(new Date(NOW.getTime() + 1_000)) } }));
    clock = () => new Date(reads++ === 0 ? restartAt - 5 : restartAt + 10);
    const result = await s.reconcile();
    expect(s.vendor.calls).toHaveLength(1);
    expect(result).not.toBeInstanceOf(RetryLater);
    const { requeueAfterMs } = result as ReconcileResult;
    expect(requeueAfterMs).toBeGreaterThanOrEqual(0);
    expect(requeueAfterMs).toBeLessThanOrEqual(1_000);
  });
});

describe('Reconciler: every vendor outcome class on startrtmp', () => {
  it.each<[string, Scripted, { reason: string; stalled: boolean; requeue: number | 'backoff' | undefined; settled: boolean }]>([
    ['2101 invalid parameter: not retried until the spec changes', { fail: 'InvalidRequest', vendorCode: 2101 }, { reason: 'InvalidParameter', stalled: true, requeue: undefined, settled: true }],
    ['1001 credentials: slow retry, at once when the Secret changes', { fail: 'CredentialsRejected', vendorCode: 1001 }, { reason: 'CredentialsRejected', stalled: true, requeue: RETRY_MS, settled: true }],
    ['gateway 404: a configuration error, slow retry', { fail: 'EndpointRejected', code: 'HttpStatus' }, { reason: 'VendorEndpointRejected', stalled: true, requeue: RETRY_MS, settled: true }],
    ['2104: backoff, the start may have run', { fail: 'Retryable', code: 'VendorInternalError', vendorCode: 2104 }, { reason: 'VendorInternalError', stalled: false, requeue: 'backoff', settled: false }],
    ['reset after sending: backoff, the start may have run', { fail: 'Retryable', code: 'Network' }, { reason: 'Network', stalled: false, requeue: 'backoff', settled: false }],
  ])('%s', async (_name, answer, want) => {
    const s = setup();
    s.tasks.put(newTask());
    s.vendor.script = [answer];
    const result = await s.reconcile();
    if (want.requeue === 'backoff') expect(result).toBeInstanceOf(RetryLater);
    else expect(result).toEqual(want.requeue === undefined ? {} : { requeueAfterMs: want.requeue });
    expect(s.cond('Synced')).toMatchObject({ status: 'False', reason: want.reason });
    expect(s.cond('Ready')).toMatchObject({ status: 'False', reason: want.reason });
    expect(s.cond('Stalled')?.status).toBe(want.stalled ? 'True' : undefined);
    expect(s.cond('Reconciling')?.reason).toBe(want.stalled ? undefined : 'RetryingWithBackoff');
    expect(s.status().settledIntent === 'intent-1').toBe(want.settled);
    expect(s.status().active).toBeUndefined();
    expect(s.events.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'SyncFailed' });
    // Event messages carry no per-attempt traceId, so repeated failures aggregate.
    expect(s.events.events.at(-1)?.message).not.toMatch(/traceId/);
  });

  it('2101: the same request is never sent again; a changed spec is', async () => {
    const s = setup();
    s.tasks.put(newTask());
    s.vendor.script = [{ fail: 'InvalidRequest', vendorCode: 2101 }];
    await s.reconcile();
    await s.reconcile();
    expect(s.vendor.calls).toHaveLength(1);
    s.edit('t', (t) => ({ ...t, spec: spec({ rtmpurls: ['rtmp://push.example.com/live/b'] }) }));
    await s.reconcile();
    expect(s.vendor.calls).toHaveLength(2);
    expect(s.cond('Synced')).toMatchObject({ status: 'True' });
  });
});

describe('Reconciler: a start whose answer was lost', () => {
  it('is stopped on deletion although status never recorded it', async () => {
    const s = setup();
    s.tasks.put(newTask());
    s.vendor.script = [{ fail: 'Retryable', code: 'Network' }];
    await s.reconcile();
    s.edit('t', (t) => ({ ...t, metadata: { ...t.metadata, deletionTimestamp: '2026-11-28T12:00:00Z' } }));
    expect(await s.reconcile()).toEqual({});
    expect(s.vendor.calls.map((c) => `${c.endpoint} ${c.identity?.taskid ?? ''}`)).toEqual(['startrtmp ', 'stoprtmp show-1']);
    expect(s.tasks.current('ns/t')).toBeUndefined();
  });

  it('is stopped before a changed identity starts, with the credentials that started it', async () => {
    const s = setup();
    s.tasks.put(newTask());
    s.vendor.script = [{ fail: 'Retryable', code: 'VendorTimeout', vendorCode: 2103 }];
    await s.reconcile();
    s.edit('t', (t) => ({ ...t, spec: spec({ taskid: 'show-2', credentialsSecretRef: { name: 'own' } }) }));
    await s.reconcile();
    expect(s.vendor.calls.map((c) => `${c.endpoint} ${c.identity?.taskid ?? c.request?.taskid ?? ''} ${c.credentials}`)).toEqual([
      'startrtmp show-1 default-id',
      'stoprtmp show-1 default-id',
      'startrtmp show-2 own-id',
    ]);
    expect(s.status().active).toMatchObject({ taskid: 'show-2', credentialsSecretRef: { namespace: 'ns', name: 'own' } });
  });

  it('a stop answered 2102 counts as stopped', async () => {
    const s = setup();
    s.tasks.put(newTask());
    s.vendor.script = [{ fail: 'Retryable', code: 'Network' }, { alreadyStopped: true }];
    await s.reconcile();
    s.edit('t', (t) => ({ ...t, spec: spec({ suspend: true }) }));
    expect(await s.reconcile()).toEqual({});
    expect(s.status().settledIntent).toBe('intent-1');
    expect(s.cond('Ready')).toMatchObject({ status: 'True', reason: 'Suspended' });
  });
});

describe('Reconciler: suspend, identity change, deletion', () => {
  it('suspend stops (Ready True/Suspended: the declared state), resume starts again', async () => {
    const s = setup();
    s.tasks.put(newTask());
    await s.reconcile();
    s.edit('t', (t) => ({ ...t, spec: spec({ suspend: true }) }));
    await s.reconcile();
    expect(s.status().active).toBeUndefined();
    expect(s.cond('Synced')).toMatchObject({ status: 'True', reason: 'Suspended' });
    expect(s.cond('Ready')).toMatchObject({ status: 'True', reason: 'Suspended' });
    s.edit('t', (t) => ({ ...t, spec: spec({ suspend: false }) }));
    await s.reconcile();
    expect(s.vendor.calls.map((c) => c.endpoint)).toEqual(['startrtmp', 'stoprtmp', 'startrtmp']);
    expect(s.events.reasons()).toEqual(['Started', 'Suspended', 'Started']);
  });

  it('a stop refused outside deletion is retried (slowly), not forgotten', async () => {
    const s = setup();
    s.tasks.put(newTask());
    await s.reconcile();
    s.edit('t', (t) => ({ ...t, spec: spec({ suspend: true }) }));
    s.vendor.script = [{ fail: 'InvalidRequest', vendorCode: 2101 }];
    expect(await s.reconcile()).toEqual({ requeueAfterMs: RETRY_MS });
    expect(s.status().active).toMatchObject({ taskid: 'show-1' });
  });

  it('identity change: stop the old task first, then start the new one', async () => {
    const s = setup();
    s.tasks.put(newTask());
    await s.reconcile();
    s.edit('t', (t) => ({ ...t, spec: spec({ roomid: '456' }) }));
    await s.reconcile();
    expect(s.vendor.calls.map((c) => `${c.endpoint} ${c.identity?.roomid ?? c.request?.roomid ?? ''}`)).toEqual(['startrtmp 123', 'stoprtmp 123', 'startrtmp 456']);
  });

  it('deletion stops and lets go; a missing Secret blocks it and says how to let go', async () => {
    const s = setup();
    s.tasks.put(newTask('t', { credentialsSecretRef: { name: 'own' } }));
    await s.reconcile();
    s.secrets.delete('ns/own');
    s.edit('t', (t) => ({ ...t, metadata: { ...t.metadata, deletionTimestamp: '2026-11-28T12:00:00Z' } }));
    expect(await s.reconcile()).toEqual({ requeueAfterMs: RETRY_MS });
    expect(s.tasks.current('ns/t')?.metadata.finalizers).toEqual([FINALIZER]);
    expect(s.cond('Stalled')).toMatchObject({ status: 'True', reason: 'SecretNotFound' });
    expect(s.events.events.at(-1)?.reason).toBe('DeletionBlocked');
    expect(s.events.events.at(-1)?.message).toContain('deletionPolicy":"Orphan');
    s.secrets.set('ns/own', credentialsSecret('ns', 'own', 'own-id'));
    expect(await s.reconcile()).toEqual({});
    expect(s.tasks.current('ns/t')).toBeUndefined();
  });

  it('a conflicting write is read again and applied once: one vendor call', async () => {
    const s = setup();
    s.tasks.put(newTask());
    let once = true;
    s.tasks.beforeWrite = (key) => {
      const cur = s.tasks.current(key);
      if (once && cur !== undefined && (cur.metadata.finalizers ?? []).length > 0) {
        once = false;
        s.tasks.put({ ...cur, status: { ...(cur.status as object), lastResponse: { code: 0, message: 'another writer' } } });
      }
    };
    expect(await s.reconcile()).toEqual({});
    expect(s.vendor.calls).toHaveLength(1);
    expect(s.status()).toMatchObject({ active: { taskid: 'show-1' }, settledIntent: 'intent-1' });
  });
});

describe('Reconciler: one owner per vendor identity', () => {
  it('a second task naming the same taskid is refused without a vendor call, naming the owner', async () => {
    const s = setup({ ownership: true });
    s.tasks.put(newTask('t', {}, '2026-11-28T10:00:00Z'));
    await s.reconcile('t');
    s.tasks.put(newTask('u', { rtmpurls: ['rtmp://other.example.com/live/b'] }, '2026-11-28T11:00:00Z'));
    expect(await s.reconcile('u')).toEqual({});
    expect(s.vendor.calls).toHaveLength(1);
    expect(s.cond('Synced', 'u')).toMatchObject({ status: 'False', reason: 'IdentityConflict' });
    expect(s.cond('Synced', 'u')?.message).toContain('ns/t');
    expect(s.cond('Stalled', 'u')).toMatchObject({ status: 'True', reason: 'IdentityConflict' });
    expect(s.status('u').owner).toBe('ns/t');
    expect(s.events.reasons()).toContain('IdentityConflict');
  });
});
