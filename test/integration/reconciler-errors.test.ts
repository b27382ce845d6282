// How the reconciler answers each class of vendor failure, injected with the emulator's faults:
// 2101 is terminal until the spec changes, 1000-1002 wait for the Secret, everything else is
// retried with backoff; a failing stop holds an identity change and a deletion back.
// Every test has its own namespace, emulator and operator, so call counts are exact.
import { setTimeout as delay } from 'node:timers/promises';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { FINALIZER } from '../../src/api/v1alpha1/constants.js';
import { devAccount } from '../../src/emulator/accounts.js';
import type { CallRecord, FaultSpec } from '../../src/emulator/control-api.js';
import { condition, CREDENTIALS_SECRET, OperatorFixture, type OperatorFixtureOptions, type TaskObject, type TaskWatch } from '../harness/operator.js';
import { until } from '../support/eventually.js';

interface WireBody {
  roomid?: string;
  taskid?: string;
}

const body = (c: CallRecord | undefined): WireBody => (c?.body ?? {});
const codes = (calls: readonly CallRecord[]): Array<number | string> => calls.map((c) => c.code ?? c.outcome);
const mixOutput = { streamtype: 2, audiobitrate: 64, audiochannel: 2, audiosample: 44100, audioencode: 1 };

function syncedAt(t: TaskObject | undefined, status: string, reason: string): boolean {
  const c = condition(t, 'Synced');
  return c?.status === status && c.reason === reason && c.observedGeneration === t?.metadata.generation;
}

/** Milliseconds between consecutive calls. */
function gaps(calls: readonly CallRecord[]): number[] {
  return calls.slice(1).map((c, i) => Date.parse(c.at) - Date.parse(calls[i]?.at ?? c.at));
}

describe('reconciler and vendor errors', () => {
  let op: OperatorFixture | undefined;
  let watch: TaskWatch | undefined;
  async function fixture(opts: OperatorFixtureOptions = {}): Promise<OperatorFixture> {
    op = await OperatorFixture.create({ prefix: 'rerr', ...opts });
    return op;
  }
  afterEach(async () => {
    watch?.stop();
    watch = undefined;
    await op?.close();
    op = undefined;
  });

  /** Waits until the operator has made no new decision about `name` for `quietMs`; returns how many it made. */
  async function quiet(f: OperatorFixture, name: string, quietMs: number): Promise<number> {
    let count = f.decisions(name).length;
    let since = Date.now();
    const deadline = Date.now() + 20_000;
    while (Date.now() - since < quietMs) {
      if (Date.now() > deadline) throw new Error(`${name} never went quiet: ${JSON.stringify(f.decisions(name).slice(-5))}`);
      await delay(100);
      const now = f.decisions(name).length;
      if (now !== count) {
        count = now;
        since = Date.now();
      }
    }
    return count;
  }

  it('2101 on startrtmp: Synced False InvalidParameter after exactly one call, not retried until the spec changes', async () => {
    const f = await fixture();
    await f.emulator.control.addFault({ endpoint: 'startrtmp', code: 2101, count: 1 });
    await f.create(f.task('bad', { taskid: 'bad-1' }));
    const refused = await f.waitForCondition('bad', 'Synced', 'False', 'InvalidParameter');
    expect(condition(refused, 'Synced')?.message).toMatch(/2101.*not retried until the spec changes/);
    expect(refused?.status?.lastResponse?.code).toBe(2101);
    expect(refused?.status?.active).toBeUndefined();

    // The fault is used up: a retry would succeed, so a second call would show.
    await quiet(f, 'bad', 2_500);
    expect(codes(await f.vendorCalls())).toEqual([2101]);
    expect(condition(await f.get('bad'), 'Synced')?.reason).toBe('InvalidParameter');

    await f.patchSpec('bad', { mixconfig: { output: { ...mixOutput, audiobitrate: 96 } } });
    await f.waitFor('bad', (t) => t?.metadata.generation === 2 && syncedAt(t, 'True', 'Synced'), 20_000, 'the changed spec synced');
    const calls = await f.vendorCalls();
    expect(codes(calls)).toEqual([2101, 0]);
    expect(calls.map((c) => body(c).taskid)).toEqual(['bad-1', 'bad-1']);
  });

  it('1001 (wrong credentials in the Secret): CredentialsRejected, retried slowly, and at once when the Secret is fixed', async () => {
    const f = await fixture();
    await f.core.createNamespacedSecret({
      namespace: f.namespace,
      body: { metadata: { name: 'wrong-creds' }, stringData: { restfulId: f.account.restfulId, restfulSecret: 'not-the-secret' } },
    });
    await f.create(f.task('creds', { taskid: 'creds-1', credentialsSecretRef: { name: 'wrong-creds' } }));
    const rejected = await f.waitForCondition('creds', 'Synced', 'False', 'CredentialsRejected');
    expect(condition(rejected, 'Synced')?.message).toContain('1001');
    expect(condition(rejected, 'Synced')?.message).not.toContain('not-the-secret');
    expect(rejected?.status?.lastResponse?.code).toBe(1001);

    await quiet(f, 'creds', 2_500);
    expect(codes(await f.vendorCalls())).toEqual([1001]);

    const fixedAt = Date.now();
    await f.core.patchNamespacedSecret({ namespace: f.namespace, name: 'wrong-creds', body: { stringData: { restfulSecret: f.account.restfulSecret } } }, mergePatch());
    await f.waitForCondition('creds', 'Synced', 'True', 'Synced', 10_000);
    expect(Date.now() - fixedAt).toBeLessThan(10_000);
    expect(codes(await f.vendorCalls())).toEqual([1001, 0]);
  });

  it.each([
    { reason: '1000 no token', code: 1000 },
    { reason: '1002 appid not enabled for the token', code: 1002 },
  ])('$reason: CredentialsRejected, not retried at once; new credentials in the Secret retry it', async ({ code }) => {
    // Two valid credential pairs for the appid, so the Secret can change to another valid one.
    const f = await fixture({ accounts: [devAccount, { ...devAccount, restfulId: 'rotated', restfulSecret: 'rotated-secret' }] });
    await f.emulator.control.addFault({ endpoint: 'startrtmp', code, count: 1 });
    await f.create(f.task('cred', { taskid: 'cred-1' }));
    const rejected = await f.waitForCondition('cred', 'Synced', 'False', 'CredentialsRejected');
    expect(condition(rejected, 'Synced')?.message).toContain(`code ${code}`);
    await quiet(f, 'cred', 1_500);
    expect(codes(await f.vendorCalls())).toEqual([code]);

    // Only a change of what the credentials are re-queues at once (a label or annotation does not).
    await f.core.patchNamespacedSecret({ namespace: f.namespace, name: CREDENTIALS_SECRET, body: { stringData: { restfulId: 'rotated', restfulSecret: 'rotated-secret' } } }, mergePatch());
    await f.waitForCondition('cred', 'Synced', 'True', 'Synced', 10_000);
    expect(codes(await f.vendorCalls())).toEqual([code, 0]);
  });

  it.each<{ reason: string; fault: FaultSpec; syncedReason: string; opts?: OperatorFixtureOptions }>([
    { reason: '2103 vendor timeout', fault: { code: 2103 }, syncedReason: 'VendorTimeout' },
    { reason: '2104 vendor internal error', fault: { code: 2104 }, syncedReason: 'VendorInternalError' },
    { reason: '2102 abnormal stream status', fault: { code: 2102 }, syncedReason: 'AbnormalStreamStatus' },
    { reason: 'HTTP 503', fault: { httpStatus: 503 }, syncedReason: 'HttpStatus' },
    { reason: 'connection reset', fault: { reset: true }, syncedReason: 'Network' },
    // The operator's vendor deadline is shortened from 15 s so that the hang costs little time.
    { reason: 'no answer (hang)', fault: { hang: true }, syncedReason: 'DeadlineExceeded', opts: { settings: { vendorTimeouts: { requestMs: 1_500 } } } },
  ])('$reason on startrtmp: retried with backoff until it succeeds, the reason shown in Synced meanwhile', async ({ fault, syncedReason, opts }) => {
    const f = await fixture(opts);
    await f.emulator.control.addFault({ endpoint: 'startrtmp', count: 2, ...fault });
    watch = await f.watchTask('flaky'); // before it exists: records every version from creation on
    await f.create(f.task('flaky', { taskid: 'flaky-1' }));
    await f.waitForCondition('flaky', 'Ready', 'True', undefined, 30_000);

    const calls = await f.vendorCalls();
    expect(calls.map((c) => c.endpoint)).toEqual(['startrtmp', 'startrtmp', 'startrtmp']);
    expect(calls.map((c) => body(c).taskid)).toEqual(['flaky-1', 'flaky-1', 'flaky-1']);
    expect(calls[2]?.code).toBe(0);
    // Backoff: 1 s then 2 s (less 10 % jitter at most), measured between the calls' arrival.
    const [first = 0, second = 0] = gaps(calls);
    expect(first).toBeGreaterThanOrEqual(900 - 100);
    expect(second).toBeGreaterThanOrEqual(1_800 - 100);

    const failing = watch.changes.filter((v) => syncedAt(v, 'False', syncedReason));
    expect(failing.length, `versions: ${JSON.stringify(watch.changes.map((v) => condition(v, 'Synced')?.reason))}`).toBeGreaterThan(0);
    expect(condition(failing[0], 'Synced')?.message).toContain('retrying with backoff');
  });

  it('identity change whose stoprtmp fails: the old identity stays in status.active and nothing starts until the stop succeeds', async () => {
    const f = await fixture();
    await f.create(f.task('move', { taskid: 'move-1', roomid: '100' }));
    await f.waitForCondition('move', 'Ready', 'True');

    await f.emulator.control.addFault({ endpoint: 'stoprtmp', code: 2104 });
    await f.patchSpec('move', { roomid: '200' });
    await f.waitForVendorCalls((calls) => calls.filter((c) => c.endpoint === 'stoprtmp').length >= 2, 20_000, 'a retried stoprtmp');
    const held = await f.get('move');
    expect(held?.status?.active).toMatchObject({ roomid: '100', taskid: 'move-1' });
    expect(condition(held, 'Synced')).toMatchObject({ status: 'False', reason: 'VendorInternalError', observedGeneration: 2 });
    expect((await f.vendorCalls('startrtmp')).map((c) => body(c).roomid)).toEqual(['100']);
    expect((await f.emulator.control.tasks()).map((t) => t.roomid)).toEqual(['100']);

    await f.emulator.control.clearFaults();
    const moved = await f.waitFor('move', (t) => t?.metadata.generation === 2 && syncedAt(t, 'True', 'Synced'), 20_000, 'the move synced');
    expect(moved?.status?.active).toMatchObject({ roomid: '200', taskid: 'move-1' });
    const calls = await f.vendorCalls();
    const failedStops = calls.filter((c) => c.endpoint === 'stoprtmp' && c.code === 2104).length;
    expect(calls.map((c) => `${c.endpoint} ${body(c).roomid ?? ''} ${c.code ?? ''}`)).toEqual([
      'startrtmp 100 0',
      ...Array.from({ length: failedStops }, () => 'stoprtmp 100 2104'),
      'stoprtmp 100 0',
      'startrtmp 200 0',
    ]);
    expect((await f.emulator.control.tasks()).map((t) => t.roomid)).toEqual(['200']);
  });

  it('deletion blocked by a stoprtmp that keeps failing terminally: the object stays, StopFailing, a DeletionBlocked Event; Orphan lets it go', async () => {
    const f = await fixture({ settings: { reconcilerTimings: { credentialsRetryMs: 1_000, deletionBlockedAfterMs: 1_500 } } });
    await f.create(f.task('stuck', { taskid: 'stuck-1' }));
    await f.waitForCondition('stuck', 'Ready', 'True');

    await f.emulator.control.addFault({ endpoint: 'stoprtmp', code: 2101 });
    await f.delete('stuck');
    const blocked = await f.waitFor('stuck', (t) => syncedAt(t, 'False', 'StopFailing'), 20_000, 'StopFailing');
    expect(blocked?.metadata.deletionTimestamp).toBeDefined();
    expect(blocked?.metadata.finalizers).toEqual([FINALIZER]);
    expect(condition(blocked, 'Synced')?.message).toMatch(/stoprtmp .*failed: code 2101/);
    expect(blocked?.status?.['stopFailingSince']).toEqual(expect.any(String));
    expect(blocked?.status?.active).toMatchObject({ taskid: 'stuck-1' });

    // After deletionBlockedAfterMs of failures, an Event says how to let go.
    await until(async () => (await f.events('stuck')).some((e) => e.reason === 'DeletionBlocked'), 'a DeletionBlocked Event');
    const event = (await f.events('stuck')).find((e) => e.reason === 'DeletionBlocked');
    expect(event?.type).toBe('Warning');
    expect(event?.message).toContain('"deletionPolicy":"Orphan"');
    // Retried at the slow pace (1 s here), not in a loop.
    const stops = await f.vendorCalls('stoprtmp');
    expect(stops.length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...gaps(stops))).toBeGreaterThanOrEqual(900);
    expect(await f.get('stuck')).toBeDefined();

    await f.patchSpec('stuck', { deletionPolicy: 'Orphan' });
    await f.waitFor('stuck', (t) => t === undefined, 20_000, 'deletion after Orphan');
    expect((await f.emulator.control.tasks()).map((t) => t.taskid)).toEqual(['stuck-1']);
  });
});


function mergePatch(): ReturnType<typeof setHeaderOptions> {
  return setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
}
