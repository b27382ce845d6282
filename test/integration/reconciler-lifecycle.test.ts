// The reconciler's normal life cycle on the real control plane and the emulator: create, update in
// place, rtmpurls changes, identity changes, suspend/resume, delete, Orphan and an invalid spec.
// Every test has its own namespace, emulator and operator, so the emulator's call log holds exactly
// the calls that test caused and each assertion on it is an exact count.
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FINALIZER } from '../../src/api/v1alpha1/constants.js';
import type { CallRecord } from '../../src/emulator/control-api.js';
import { condition, OperatorFixture, type TaskObject } from '../harness/operator.js';

interface WireBody {
  appid?: string;
  roomid?: string;
  streamtype?: number;
  taskid?: string;
  uid?: string;
  rtmpurl?: string;
  mixconfig?: { output?: Record<string, unknown> };
}

const body = (c: CallRecord | undefined): WireBody => (c?.body ?? {});
const endpoints = (calls: readonly CallRecord[]): string[] => calls.map((c) => c.endpoint);

const mixOutput = { streamtype: 2, audiobitrate: 64, audiochannel: 2, audiosample: 44100, audioencode: 1 };

/** Ready=True for the object's current generation: the vendor has the request and every address reports 3000. */
function ready(t: TaskObject | undefined): boolean {
  return synced(t) && condition(t, 'Ready')?.status === 'True' && condition(t, 'Ready')?.observedGeneration === t?.metadata.generation;
}

/** Synced=True for the object's current generation (and the reason, when given). */
function synced(t: TaskObject | undefined, reason = 'Synced'): boolean {
  const c = condition(t, 'Synced');
  return c?.status === 'True' && c.reason === reason && c.observedGeneration === t?.metadata.generation && t?.status?.observedGeneration === t?.metadata.generation;
}

describe('reconciler life cycle', () => {
  let op: OperatorFixture;
  beforeEach(async () => {
    op = await OperatorFixture.create({ prefix: 'rlife' });
  });
  afterEach(async () => {
    await op.close();
  });

  /** Waits until the operator has decided about `name` again after its first `mark` decisions; returns the new ones. */
  async function waitForIdleReconcile(name: string, mark: number): Promise<Array<{ kind: string; why: unknown; step: number }>> {
    const deadline = Date.now() + 20_000;
    while (op.decisions(name).length <= mark) {
      if (Date.now() > deadline) throw new Error(`no reconcile of ${name} after decision #${mark}`);
      await delay(50);
    }
    return op.decisions(name).slice(mark);
  }

  it('creates: finalizer first, one startrtmp with the spec taskid, status recording the call', async () => {
    // Every version of the object the API server stores, in order, to see what came before what
    // (watched before it exists, so from its creation on).
    const watch = await op.watchTask('created');
    const versions = watch.changes;
    try {
      await op.create(op.task('created', { taskid: 'create-1' }));
      const ready = await op.waitForCondition('created', 'Ready', 'True');

      const calls = await op.vendorCalls();
      expect(endpoints(calls)).toEqual(['startrtmp']);
      const start = calls[0];
      expect(body(start)).toMatchObject({ appid: op.appid, roomid: '123', streamtype: 1, taskid: 'create-1', rtmpurl: 'rtmp://push.example.com/live/created?auth_key=secret-created' });
      expect(start?.code).toBe(0);

      expect(ready?.metadata.finalizers).toEqual([FINALIZER]);
      expect(ready?.status).toMatchObject({
        observedGeneration: 1,
        taskid: 'create-1',
        active: { appid: op.appid, roomid: '123', streamtype: 1, taskid: 'create-1' },
        lastTraceId: start?.traceId,
        lastResponse: { code: 0, message: 'success' },
      });
      for (const type of ['Synced', 'Streaming', 'Ready']) {
        expect(condition(ready, type), type).toMatchObject({ status: 'True', observedGeneration: 1 });
      }
      expect(condition(ready, 'Synced')?.reason).toBe('Synced');

      // The finalizer was stored before anything the start produced, and no stored version shows a
      // started push without it.
      await op.waitFor('created', () => versions.some((v) => v.status?.active !== undefined), 5_000, 'the watch to see the start');
      const firstFinalized = versions.findIndex((v) => v.metadata.finalizers?.includes(FINALIZER) === true);
      const firstWithStatus = versions.findIndex((v) => v.status !== undefined);
      expect(firstFinalized).toBeGreaterThan(0);
      expect(firstWithStatus).toBeGreaterThan(firstFinalized);
      expect(versions.filter((v) => v.status?.active !== undefined && v.metadata.finalizers?.includes(FINALIZER) !== true)).toEqual([]);
    } finally {
      watch.stop();
    }
  });

  it('derives taskid rpt-<sha256(namespace/name)> when the spec names none', async () => {
    const expected = `rpt-${createHash('sha256').update(`${op.namespace}/derived`).digest('hex').slice(0, 20)}`;
    await op.create(op.task('derived'));
    const ready = await op.waitForCondition('derived', 'Synced', 'True', 'Synced');
    const starts = await op.vendorCalls('startrtmp');
    expect(starts.map((c) => body(c).taskid)).toEqual([expected]);
    expect(ready?.status?.taskid).toBe(expected);
    expect(ready?.status?.lastTraceId).toBe(starts[0]?.traceId);
  });

  it('updates in place: a spec change is one startrtmp on the same taskid; metadata- and status-only changes call nothing', async () => {
    await op.create(op.task('upd', { taskid: 'upd-1' }));
    await op.waitForCondition('upd', 'Ready', 'True');

    await op.patchSpec('upd', { mixconfig: { output: { ...mixOutput, audiobitrate: 128 } } });
    const updated = await op.waitFor('upd', (t) => t?.metadata.generation === 2 && synced(t), 20_000, 'generation 2 synced');
    let calls = await op.vendorCalls();
    expect(endpoints(calls)).toEqual(['startrtmp', 'startrtmp']);
    expect(body(calls[1]).taskid).toBe('upd-1');
    expect(body(calls[1]).mixconfig?.output?.['audiobitrate']).toBe(128);
    expect(updated?.status?.lastTraceId).toBe(calls[1]?.traceId);
    expect(condition(updated, 'Ready')).toMatchObject({ status: 'True', observedGeneration: 2 });

    // A label and an annotation: the operator looks, and does nothing.
    let mark = op.decisions('upd').length;
    await op.patchMetadata('upd', { labels: { team: 'video' }, annotations: { note: 'hello' } });
    let seen = await waitForIdleReconcile('upd', mark);
    expect(seen.map((d) => d.kind)).toEqual(seen.map(() => 'Idle'));

    // Someone else's status edit (a field the operator owns but does not act on).
    mark = op.decisions('upd').length;
    await op.patchStatus('upd', { lastResponse: { code: 0, message: 'edited by hand' } });
    seen = await waitForIdleReconcile('upd', mark);
    expect(seen.map((d) => d.kind)).toEqual(seen.map(() => 'Idle'));

    await delay(500);
    calls = await op.vendorCalls();
    expect(endpoints(calls)).toEqual(['startrtmp', 'startrtmp']);
    expect((await op.get('upd'))?.metadata.generation).toBe(2);
  });

  it('sends a changed rtmpurls list in full, and the vendor pushes only the new addresses', async () => {
    await op.create(op.task('urls', { taskid: 'urls-1', rtmpurls: ['rtmp://a.example.com/live/s?auth_key=k1', 'rtmp://b.example.com/live/s'] }));
    await op.waitForCondition('urls', 'Ready', 'True');

    const next = ['rtmp://b.example.com/live/s', 'rtmp://c.example.com/live/s?auth_key=k3', 'rtmp://d.example.com/live/s'];
    await op.patchSpec('urls', { rtmpurls: next });
    await op.waitFor('urls', (t) => t?.metadata.generation === 2 && synced(t), 20_000, 'generation 2 synced');

    const calls = await op.vendorCalls();
    expect(endpoints(calls)).toEqual(['startrtmp', 'startrtmp']);
    expect(body(calls[1])).toMatchObject({ taskid: 'urls-1', rtmpurl: next.join(',') });
    const tasks = await op.emulator.control.tasks();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.taskid).toBe('urls-1');
    expect(tasks[0]?.addresses.map((a) => a.url).sort()).toEqual([...next].sort());
  });

  it.each([
    { reason: 'mixed push, roomid changes', spec: { taskid: 'ident-1', roomid: '100' } as Record<string, unknown>, change: { roomid: '200' }, old: { roomid: '100', taskid: 'ident-1' }, now: { roomid: '200', taskid: 'ident-1' } },
    { reason: 'mixed push, taskid changes', spec: { taskid: 'ident-a', roomid: '100' }, change: { taskid: 'ident-b' }, old: { roomid: '100', taskid: 'ident-a' }, now: { roomid: '100', taskid: 'ident-b' } },
    {
      reason: 'source push, uid changes',
      spec: { streamtype: 2, uid: 'u-1', roomid: '100' },
      source: true,
      change: { uid: 'u-2' },
      old: { roomid: '100', uid: 'u-1' },
      now: { roomid: '100', uid: 'u-2' },
    },
  ])('identity change ($reason): stoprtmp of the old task, then startrtmp of the new, no leak', async ({ spec, change, old, now, source }) => {
    const manifest = op.task('ident', spec);
    if (source === true) delete manifest.spec['mixconfig'];
    await op.create(manifest);
    await op.waitForCondition('ident', 'Ready', 'True');

    await op.patchSpec('ident', change);
    // Ready, not only Synced: the new task's 3000 has replaced the stopped task's 3003 for the same
    // address, so a restart mistaken for it could no longer come.
    const done = await op.waitFor('ident', (t) => t?.metadata.generation === 2 && ready(t), 20_000, 'generation 2 ready');

    const calls = await op.vendorCalls();
    expect(endpoints(calls)).toEqual(['startrtmp', 'stoprtmp', 'startrtmp']);
    expect(body(calls[1])).toMatchObject(old);
    expect(calls[1]?.code).toBe(0);
    expect(body(calls[2])).toMatchObject(now);
    expect(done?.status?.active).toMatchObject(now);

    const tasks = await op.emulator.control.tasks();
    expect(tasks.map((t) => ({ roomid: t.roomid, taskid: t.taskid ?? undefined, uid: t.uid ?? undefined }))).toEqual([expect.objectContaining(now)]);
  });

  it('suspends (stoprtmp, Synced True/Suspended, Ready True: suspended is the declared state) and resumes (startrtmp)', async () => {
    await op.create(op.task('susp', { taskid: 'susp-1' }));
    await op.waitForCondition('susp', 'Ready', 'True');

    await op.patchSpec('susp', { suspend: true });
    const suspended = await op.waitFor('susp', (t) => t?.metadata.generation === 2 && synced(t, 'Suspended'), 20_000, 'Suspended');
    expect(condition(suspended, 'Ready')).toMatchObject({ status: 'True', reason: 'Suspended', observedGeneration: 2 });
    expect(suspended?.status?.active).toBeUndefined();
    let calls = await op.vendorCalls();
    expect(endpoints(calls)).toEqual(['startrtmp', 'stoprtmp']);
    expect(body(calls[1])).toMatchObject({ roomid: '123', streamtype: 1, taskid: 'susp-1' });
    expect(await op.emulator.control.tasks()).toEqual([]);

    await op.patchSpec('susp', { suspend: false });
    const resumed = await op.waitFor('susp', (t) => t?.metadata.generation === 3 && ready(t), 20_000, 'resumed');
    calls = await op.vendorCalls();
    expect(endpoints(calls)).toEqual(['startrtmp', 'stoprtmp', 'startrtmp']);
    expect(body(calls[2]).taskid).toBe('susp-1');
    expect(resumed?.status?.active).toMatchObject({ taskid: 'susp-1' });
    expect(await op.emulator.control.tasks()).toHaveLength(1);
  });

  it('deletes: stoprtmp, then the object is gone', async () => {
    await op.create(op.task('del', { taskid: 'del-1' }));
    await op.waitForCondition('del', 'Ready', 'True');
    await op.delete('del');
    await op.waitFor('del', (t) => t === undefined, 20_000, 'deletion');
    const calls = await op.vendorCalls();
    expect(endpoints(calls)).toEqual(['startrtmp', 'stoprtmp']);
    expect(body(calls[1])).toMatchObject({ appid: op.appid, roomid: '123', streamtype: 1, taskid: 'del-1' });
    expect(calls[1]?.code).toBe(0);
    expect(await op.emulator.control.tasks()).toEqual([]);
  });

  it('deletes with deletionPolicy Orphan: no stoprtmp, the vendor task keeps running', async () => {
    await op.create(op.task('orphan', { taskid: 'orphan-1', deletionPolicy: 'Orphan' }));
    await op.waitForCondition('orphan', 'Ready', 'True');
    await op.delete('orphan');
    await op.waitFor('orphan', (t) => t === undefined, 20_000, 'deletion');
    expect(endpoints(await op.vendorCalls())).toEqual(['startrtmp']);
    const tasks = await op.emulator.control.tasks();
    expect(tasks.map((t) => t.taskid)).toEqual(['orphan-1']);
  });

  it('counts a stoprtmp answered 2102 (the vendor no longer knows the task) as stopped', async () => {
    await op.create(op.task('gone', { taskid: 'gone-1' }));
    await op.waitForCondition('gone', 'Ready', 'True');
    await op.emulator.control.reset(); // the vendor forgets the task (and the call log)
    await op.delete('gone');
    await op.waitFor('gone', (t) => t === undefined, 20_000, 'deletion');
    const calls = await op.vendorCalls();
    expect(endpoints(calls)).toEqual(['stoprtmp']);
    expect(calls[0]?.code).toBe(2102);
    expect(body(calls[0]).taskid).toBe('gone-1');
  });

  it('refuses a spec the CRD accepts but the cross-field check does not: no call, InvalidSpec naming the field, no retry; fixing it starts once', async () => {
    // patch 3 needs patchUrl: a cross-field rule that the CRD schema cannot express (no CEL on this
    // apiserver), so the API server stores the object and only the operator's check refuses it.
    await op.create(op.task('invalid', { taskid: 'invalid-1', mixconfig: { templateid: 1, output: { ...mixOutput, streamtype: 0, videoheight: 600, videowidth: 800, videobitrate: 800, videofps: 24, videogop: 48, videoencode: 100, patch: 3 } } }));
    const refused = await op.waitForCondition('invalid', 'Synced', 'False', 'InvalidSpec');
    expect(condition(refused, 'Synced')?.message).toContain('spec.mixconfig.output.patchUrl');
    expect(condition(refused, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    // The finalizer still goes on (a later valid spec will start a push).
    expect(refused?.metadata.finalizers).toEqual([FINALIZER]);

    // Not retried: after the status write has been seen, the operator stays quiet.
    await delay(300);
    const settled = op.decisions('invalid').filter((d) => d.step === 0).length;
    await delay(3_000);
    expect(op.decisions('invalid').filter((d) => d.step === 0).length).toBe(settled);
    expect(await op.vendorCalls()).toEqual([]);

    await op.patchSpec('invalid', { mixconfig: { output: { patchUrl: 'https://img.example.com/patch.png' } } });
    const fixed = await op.waitFor('invalid', (t) => t?.metadata.generation === 2 && synced(t), 20_000, 'fixed spec synced');
    const calls = await op.vendorCalls();
    expect(endpoints(calls)).toEqual(['startrtmp']);
    expect(body(calls[0]).mixconfig?.output).toMatchObject({ patch: 3, patchUrl: 'https://img.example.com/patch.png' });
    expect(fixed?.status?.lastTraceId).toBe(calls[0]?.traceId);
  });
});
