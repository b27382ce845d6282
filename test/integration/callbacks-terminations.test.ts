// Every 3003 counts (issue "status that GitOps and monitoring tools read right, and self-healing
// that keeps healing"): a task the vendor terminates again a few seconds after its restart, with
// the same errcode and description, is restarted again once its backoff has passed, and the run
// shows in status.restarts and the Restarted Events. And a 3003 is acknowledged to the vendor only
// once it is in status: while the API server cannot be reached it is answered 503, and the
// vendor's retry is what records it.
import { afterEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/emulator/control-api.js';
import { condition, OperatorFixture } from '../harness/operator.js';
import { kubeconfigThrough, startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';
import { until } from '../support/eventually.js';

const startsOf = (calls: readonly CallRecord[], taskid: string): CallRecord[] =>
  calls.filter((c) => c.endpoint === 'startrtmp' && (c.body as { taskid?: string } | null)?.taskid === taskid);

describe('3003 terminations', () => {
  let op: OperatorFixture | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    proxy?.resume();
    await op?.close();
    op = undefined;
    await proxy?.close();
    proxy = undefined;
  });

  it('3003, restart; the same 3003 again a few seconds later: a second restart after its backoff', async () => {
    const f = (op = await OperatorFixture.create({ prefix: 'cb-again' }));
    const url = 'rtmp://push.example.com/live/again?auth_key=secret-again';
    await f.create(f.task('again', { taskid: 'cb-again', rtmpurls: [url] }));
    await f.waitForCondition('again', 'Ready', 'True');
    const terminate = (): ReturnType<typeof f.emulator.control.setDestination> =>
      f.emulator.control.setDestination({ url, status: 3003, errcode: 2003, description: 'internal error in the stream-pushing server' });

    expect((await terminate()).liveIn).toBe(1);
    await f.waitForVendorCalls((calls) => startsOf(calls, 'cb-again').length === 2, 20_000, 'the first restart');
    // Back up: the emulator reports 3000 for the restarted task.
    await f.waitFor('again', (t) => t?.status?.destinations?.[0]?.state === 'Pushing' && t.status.restarts === 1, 10_000, 'pushing after one restart');

    expect((await terminate()).liveIn).toBe(1);
    // Waiting out the backoff is work under way: Reconciling=True (kstatus InProgress).
    const waiting = await f.waitFor('again', (t) => condition(t, 'Reconciling')?.reason === 'Restarting', 10_000, 'Reconciling=True Restarting');
    expect(condition(waiting, 'Reconciling')?.status).toBe('True');
    const calls = await f.waitForVendorCalls((c) => startsOf(c, 'cb-again').length === 3, 30_000, 'the second restart');
    const [, first, second] = startsOf(calls, 'cb-again').map((c) => Date.parse(c.at));
    // The second restart waited for its backoff (10 s after the first restart, not just the 5 s settle time).
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(10_000);

    const back = await f.waitFor('again', (t) => t?.status?.destinations?.[0]?.state === 'Pushing' && t.status.restarts === 2, 10_000, 'pushing after two restarts');
    expect(condition(back, 'Ready')?.status).toBe('True');
    expect(condition(back, 'Reconciling')).toBeUndefined();
    const restarted = await f.waitForEvent('again', 'Restarted');
    expect(restarted.reduce((n, e) => n + (e.count ?? 1), 0)).toBe(2);
    expect(restarted.every((e) => e.type === 'Normal' && !(e.message ?? '').includes('secret-again'))).toBe(true);
  });

  it('a 3003 that cannot be written is answered 503, and the vendor’s retry records it', async () => {
    const f = (op = await OperatorFixture.create({ prefix: 'cb-unwritten', deferStart: true }));
    const server = new URL(f.kubeConfig.getCurrentCluster()?.server ?? '');
    const p = (proxy = await startTcpProxy(server.hostname, Number(server.port)));
    // The operator reaches the API server through the proxy; the test's own client does not.
    f.start({ kubeconfig: await kubeconfigThrough(p, f.kubeconfigPath) });
    const url = 'rtmp://push.example.com/live/unwritten';
    await f.create(f.task('unwritten', { taskid: 'cb-unwritten', rtmpurls: [url] }));
    await f.waitForCondition('unwritten', 'Ready', 'True');

    p.pause('refuse');
    p.dropAll();
    const refusedBefore = refusals(f);
    const delivery = f.emulator.control.sendCallback({ appid: f.appid, roomid: '123', taskid: 'cb-unwritten', url, status: 3003, errcode: 2003, description: 'vendor failure' });
    await until(() => refusals(f) > refusedBefore, 'a 503 for the 3003');
    p.resume();

    const result = await delivery;
    expect(result).toMatchObject({ delivered: true, httpStatus: 200 });
    expect(result.attempts).toBeGreaterThan(1);
    await f.waitForVendorCalls((calls) => startsOf(calls, 'cb-unwritten').length === 2, 30_000, 'the restart');
    const restarted = await f.waitForEvent('unwritten', 'Restarted');
    expect(restarted).toHaveLength(1);
  });
});

/** The operator's log lines saying a callback was answered 503 because it could not be recorded. */
function refusals(f: OperatorFixture): number {
  return f.logs.filter((l) => l.includes('could not record the callback durably')).length;
}
