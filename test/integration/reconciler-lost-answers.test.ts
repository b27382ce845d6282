// Issue 8, leak paths 1 and 7, against the real control plane and the emulator: the vendor carries
// a start out but the answer is lost (connection reset after the work, or an answer that comes
// after the operator's deadline), so the operator cannot know whether the push runs. The start
// intent it wrote before the call must make a later delete, suspend or identity change stop that
// push anyway, and a restarted operator must find the intent and settle it. And a stop that the
// vendor refuses terminally outside deletion (suspend, identity change) is retried, slowly, until
// it goes through.
import { afterEach, describe, expect, it } from 'vitest';
import { START_INTENT_ANNOTATION } from '../../src/api/v1alpha1/constants.js';
import type { CallRecord, FaultSpec } from '../../src/emulator/control-api.js';
import { condition, OperatorFixture, type OperatorFixtureOptions, type TaskObject } from '../harness/operator.js';
import { eventually } from '../harness/operator-process.js';

interface WireBody {
  roomid?: string;
  taskid?: string;
}

const body = (c: CallRecord): WireBody => (c.body ?? {});
/** "endpoint taskid code" per call, in order; the outcome instead of the code when the answer never reached the operator. */
const trail = (calls: readonly CallRecord[]): string[] =>
  calls.map((c) => `${c.endpoint} ${body(c).taskid ?? ''} ${c.outcome === 'answered' ? String(c.code) : c.outcome}`);

function syncedIs(t: TaskObject | undefined, status: string, reason: string): boolean {
  const c = condition(t, 'Synced');
  return c?.status === status && c.reason === reason && c.observedGeneration === t?.metadata.generation;
}

function intentOf(t: TaskObject | undefined): { id: string; taskid?: string } | undefined {
  const raw = t?.metadata.annotations?.[START_INTENT_ANNOTATION];
  return raw === undefined ? undefined : (JSON.parse(raw) as { id: string; taskid?: string });
}

/** How the answer to a start that the vendor carried out gets lost. */
const losses: Array<{ loss: string; fault: FaultSpec; reason: string; opts: OperatorFixtureOptions }> = [
  { loss: 'connection reset', fault: { reset: true }, reason: 'Network', opts: {} },
  // The emulator answers 2.5 s later; the operator's deadline is 1 s.
  { loss: 'answer after the deadline', fault: { latencyMs: 2_500 }, reason: 'DeadlineExceeded', opts: { settings: { vendorTimeouts: { requestMs: 1_000 } } } },
];

describe('lost answers to startrtmp', () => {
  let op: OperatorFixture | undefined;
  afterEach(async () => {
    await op?.close();
    op = undefined;
  });

  /** A task whose every start (of taskid lost-1) is carried out and its answer lost; resolves once the operator recorded the failure. */
  async function lostStart(prefix: string, fault: FaultSpec, reason: string, opts: OperatorFixtureOptions): Promise<{ f: OperatorFixture; intentId: string }> {
    const f = (op = await OperatorFixture.create({ prefix, ...opts }));
    await f.emulator.control.addFault({ endpoint: 'startrtmp', carryOut: true, match: { taskid: 'lost-1' }, ...fault });
    await f.create(f.task('lost', { taskid: 'lost-1' }));
    const failed = await f.waitFor('lost', (t) => syncedIs(t, 'False', reason), 20_000, `Synced False ${reason}`);
    // The vendor runs it; the cluster knows only the intent.
    expect((await f.emulator.control.tasks()).map((t) => t.taskid)).toEqual(['lost-1']);
    expect(failed?.status?.active).toBeUndefined();
    const intent = intentOf(failed);
    expect(intent).toMatchObject({ taskid: 'lost-1' });
    expect(failed?.status?.['settledIntent']).not.toBe(intent?.id);
    return { f, intentId: intent?.id ?? '' };
  }

  /**
   * The calls, in order of arrival: only lost starts of lost-1 (the operator retries them with
   * backoff), then `rest`. A late answer is logged when it is sent, so this first waits until
   * every start the fault hit is in the log.
   */
  async function expectLostStartsThen(f: OperatorFixture, rest: string[]): Promise<void> {
    const hits = (await f.emulator.control.faults()).reduce((n, x) => n + x.hits, 0);
    const all = await f.waitForVendorCalls((calls) => calls.filter((c) => c.fault !== null).length >= hits, 10_000, `the ${hits} lost starts logged`);
    const calls = trail([...all].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.seq - b.seq));
    const lost = calls.length - rest.length;
    expect(lost).toBeGreaterThanOrEqual(1);
    for (const c of calls.slice(0, lost)) expect(c).toMatch(/^startrtmp lost-1 (reset|abandoned)$/);
    expect(calls.slice(lost)).toEqual(rest);
  }

  describe.each(losses)('$loss', ({ fault, reason, opts }) => {
    it('delete stops the push the vendor may run, then lets the object go', async () => {
      const { f } = await lostStart('lost-del', fault, reason, opts);
      await f.delete('lost');
      await f.waitFor('lost', (t) => t === undefined, 20_000, 'the task gone');
      expect(await f.emulator.control.tasks()).toEqual([]);
      // 0, not 2102: the push the operator never heard of was running.
      await expectLostStartsThen(f, ['stoprtmp lost-1 0']);
    });

    it('suspend stops it; the intent is settled', async () => {
      const { f } = await lostStart('lost-sus', fault, reason, opts);
      await f.patchSpec('lost', { suspend: true });
      const suspended = await f.waitFor('lost', (t) => syncedIs(t, 'True', 'Suspended'), 20_000, 'Synced True Suspended');
      // The last intent (a retried start writes its own) is the one the stop settled.
      expect(suspended?.status?.['settledIntent']).toBe(intentOf(suspended)?.id);
      expect(await f.emulator.control.tasks()).toEqual([]);
      await expectLostStartsThen(f, ['stoprtmp lost-1 0']);
    });

    it('an identity change stops the old identity before the new one starts', async () => {
      const { f } = await lostStart('lost-id', fault, reason, opts);
      await f.patchSpec('lost', { taskid: 'lost-2' });
      const moved = await f.waitFor('lost', (t) => t?.metadata.generation === 2 && syncedIs(t, 'True', 'Synced'), 20_000, 'the new identity synced');
      expect(moved?.status?.active).toMatchObject({ taskid: 'lost-2' });
      expect((await f.emulator.control.tasks()).map((t) => t.taskid)).toEqual(['lost-2']);
      await expectLostStartsThen(f, ['stoprtmp lost-1 0', 'startrtmp lost-2 0']);
    });
  });

  it('a restarted operator finds the intent: it stops the push of a task deleted while it was down', async () => {
    const { f } = await lostStart('lost-rsd', { reset: true }, 'Network', {});
    expect(await f.stop()).toBe(0);
    await f.delete('lost');
    // The finalizer holds the object until the new operator has stopped the push.
    expect((await f.get('lost'))?.metadata.deletionTimestamp).toBeDefined();
    f.start();
    await f.waitFor('lost', (t) => t === undefined, 20_000, 'the task gone');
    expect(await f.emulator.control.tasks()).toEqual([]);
    await expectLostStartsThen(f, ['stoprtmp lost-1 0']);
  });

  it('a restarted operator settles the intent of a live task with one start, and the next restart calls nothing', async () => {
    const { f, intentId } = await lostStart('lost-rss', { reset: true }, 'Network', {});
    expect(await f.stop()).toBe(0);
    await f.emulator.control.clearFaults();
    f.start();
    const synced = await f.waitFor('lost', (t) => syncedIs(t, 'True', 'Synced'), 20_000, 'Synced True after the restart');
    expect(synced?.status?.active).toMatchObject({ taskid: 'lost-1' });
    // A newer intent (the settling start's own) is written and settled by that start.
    const settling = intentOf(synced);
    expect(settling?.id).not.toBe(intentId);
    expect(synced?.status?.['settledIntent']).toBe(settling?.id);
    await expectLostStartsThen(f, ['startrtmp lost-1 0']);
    const vendor = await f.emulator.control.tasks();
    expect(vendor.map((t) => t.taskid)).toEqual(['lost-1']);

    // Nothing is unknown any more: a restart observes, decides Idle, and calls nothing.
    const calls = await f.vendorCalls();
    const before = await f.get('lost');
    expect(await f.stop()).toBe(0);
    const mark = f.decisions('lost').length;
    f.start();
    await waitForDecision(f, 'lost', mark, 'Idle');
    expect(await f.vendorCalls()).toEqual(calls);
    expect((await f.get('lost'))?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  });
});

describe('a stop refused terminally outside deletion', () => {
  let op: OperatorFixture | undefined;
  afterEach(async () => {
    await op?.close();
    op = undefined;
  });

  it.each([
    { why: 'suspend', patch: { suspend: true }, then: [] as string[], reason: 'Suspended' },
    { why: 'identity change', patch: { taskid: 'stop-2' }, then: ['startrtmp stop-2 0'], reason: 'Synced' },
  ])('$why: the refused stop is retried slowly until it goes through', async ({ patch, then, reason }) => {
    const f = (op = await OperatorFixture.create({ prefix: 'stop-retry', settings: { reconcilerTimings: { credentialsRetryMs: 1_000 } } }));
    await f.create(f.task('t', { taskid: 'stop-1' }));
    await f.waitForCondition('t', 'Ready', 'True');
    // 2101 is the vendor's "invalid request": terminal, but a push the spec no longer declares must end.
    await f.emulator.control.addFault({ endpoint: 'stoprtmp', code: 2101, count: 2 });
    await f.patchSpec('t', patch);
    await f.waitFor('t', (t) => t?.metadata.generation === 2 && syncedIs(t, 'True', reason), 20_000, `Synced True ${reason}`);

    const calls = await f.vendorCalls();
    expect(trail(calls)).toEqual(['startrtmp stop-1 0', 'stoprtmp stop-1 2101', 'stoprtmp stop-1 2101', 'stoprtmp stop-1 0', ...then]);
    // At the slow pace (credentialsRetryMs, 1 s here), not in a hot loop.
    const stops = calls.filter((c) => c.endpoint === 'stoprtmp').map((c) => Date.parse(c.at));
    for (let i = 1; i < stops.length; i++) expect((stops[i] ?? 0) - (stops[i - 1] ?? 0)).toBeGreaterThanOrEqual(900);
    expect((await f.emulator.control.tasks()).map((t) => t.taskid)).toEqual(then.length > 0 ? ['stop-2'] : []);
  });
});

/** Waits until the operator made a decision about `name` after the first `mark`, of `kind`, at a reconcile's first step. */
async function waitForDecision(f: OperatorFixture, name: string, mark: number, kind: string): Promise<void> {
  await eventually(`a ${kind} decision for ${name}`, () => (f.decisions(name).slice(mark).some((d) => d.kind === kind && d.step === 0) ? true : undefined));
}
