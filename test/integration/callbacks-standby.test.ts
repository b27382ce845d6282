// Callbacks are not lost when they reach a replica that is not the leader, or arrive while the
// operator restarts. Two operator instances share the namespace with leader election on (short
// lease timings): the leader reconciles, the standby only receives callbacks — the emulator calls
// the standby's endpoint — and both write what they receive.
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringifyVendorJson } from '../../src/jocloud/json.js';
import type { LeaderElectionSettings } from '../../src/manager/operator.js';
import { CALLBACK_TOKEN, condition, OperatorFixture, type OperatorReplica } from '../harness/operator.js';
import { until } from '../support/eventually.js';

const LEASE = 'rtmp-push-operator';

describe('callbacks: a standby replica', () => {
  let op: OperatorFixture;
  let leader: OperatorReplica;
  let election: LeaderElectionSettings;

  beforeAll(async () => {
    op = await OperatorFixture.create({ prefix: 'cb-standby', deferStart: true });
    election = { namespace: op.namespace, name: LEASE, leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };
    leader = await op.startReplica({ leaderElection: election });
    await until(async () => leader.identity() !== undefined && (await op.leaseHolder(LEASE)) === leader.identity(), 'the replica to lead');
    // The fixture's own operator, which the emulator calls back, is the standby.
    op.start({ leaderElection: election });
    await until(() => op.logs.some((l) => l.includes('"msg":"callback server listening"')) && op.identity() !== undefined, 'the standby to listen');
  });
  afterAll(async () => {
    await op.close();
  });

  async function post(port: number, body: Record<string, unknown>): Promise<number> {
    const res = await fetch(`${op.callbackUrl(port)}?token=${CALLBACK_TOKEN}`, { method: 'POST', body: stringifyVendorJson(body) });
    await res.text();
    return res.status;
  }

  async function expectLeaderUnchanged(): Promise<void> {
    expect(await op.leaseHolder(LEASE)).toBe(leader.identity());
    expect(op.identity()).not.toBe(leader.identity());
  }

  it('the standby writes the status the emulator reports to it', async () => {
    const url = 'rtmp://push.example.com/live/sb?auth_key=secret-sb';
    await op.create(op.task('sb', { taskid: 'cb-sb', rtmpurls: [url] }));
    const ready = await op.waitForCondition('sb', 'Ready', 'True');
    expect(ready?.status?.destinations?.[0]?.state).toBe('Pushing');
    expect(await op.vendorCalls('startrtmp')).toHaveLength(1);

    await op.emulator.control.setDestination({ url, status: 3001 });
    await op.waitForCondition('sb', 'Streaming', 'False', 'SourceUnavailable');

    // The callbacks went to the standby, and it is the one that wrote them.
    const log = await op.emulator.control.callbackLog();
    expect(log.callbackUrl).toContain(`:${op.callbackPort}/`);
    expect(op.logs.some((l) => l.includes('wrote push status from callbacks'))).toBe(true);
    expect(leader.logs.some((l) => l.includes('wrote push status from callbacks'))).toBe(false);
    expect(leader.logs.some((l) => l.includes('startrtmp accepted'))).toBe(true);
    expect(op.logs.some((l) => l.includes('startrtmp accepted'))).toBe(false);
    await expectLeaderUnchanged();
  });

  it('a 3003 received by the standby makes the leader restart the task', async () => {
    const url = 'rtmp://push.example.com/live/sb-dropped';
    await op.create(op.task('sb-dropped', { taskid: 'cb-sb-dropped', rtmpurls: [url] }));
    await op.waitForCondition('sb-dropped', 'Ready', 'True');
    const starts = async (): Promise<number> =>
      (await op.vendorCalls('startrtmp')).filter((c) => (c.body as { taskid?: string } | null)?.taskid === 'cb-sb-dropped').length;
    expect(await starts()).toBe(1);

    await op.emulator.control.setDestination({ url, status: 3003 });
    await until(async () => (await starts()) === 2, 'the leader to start the task again');
    await op.waitForCondition('sb-dropped', 'Ready', 'True');
    await delay(1_000);
    expect(await starts()).toBe(2);
    await expectLeaderUnchanged();
  });

  it('reports to both replicas at once end in the newest version', async () => {
    const url = 'rtmp://push.example.com/live/sb-both';
    await op.create(op.task('sb-both', { taskid: 'cb-sb-both', rtmpurls: [url] }));
    const ready = await op.waitForCondition('sb-both', 'Ready', 'True');
    let version = BigInt(ready?.status?.destinations?.[0]?.version ?? '0');
    const body = { url, appname: 'live', streamname: 'sb-both', appid: BigInt(op.appid), roomid: '123', taskid: 'cb-sb-both', errcode: 0, description: '' };

    for (let round = 0; round < 5; round++) {
      const [older, newer] = [version + 1n, version + 2n];
      version = newer;
      // The older report goes to one replica, the newer to the other, in alternating order.
      const [olderPort, newerPort] = round % 2 === 0 ? [op.callbackPort, leader.callbackPort] : [leader.callbackPort, op.callbackPort];
      const newStatus = round % 2 === 0 ? 3002 : 3000;
      const answers = await Promise.all([post(olderPort, { ...body, status: 3001, version: older }), post(newerPort, { ...body, status: newStatus, version: newer })]);
      expect(answers).toEqual([200, 200]);
      const settled = await op.waitFor('sb-both', (t) => t?.status?.destinations?.[0]?.version === newer.toString(), 10_000, `version ${newer}`);
      expect(settled?.status?.destinations?.[0]?.code).toBe(newStatus);
      await delay(300);
      const after = await op.get('sb-both');
      expect(after?.status?.destinations?.[0]?.version).toBe(newer.toString());
      expect(condition(after, 'Streaming')?.status).toBe(newStatus === 3000 ? 'True' : 'False');
    }
  });

  it('a callback sent while the standby restarts is delivered once it is back (503, then the vendor retries)', async () => {
    const url = 'rtmp://push.example.com/live/sb-restart';
    await op.create(op.task('sb-restart', { taskid: 'cb-sb-restart', rtmpurls: [url] }));
    await op.waitForCondition('sb-restart', 'Ready', 'True');

    await op.stop();
    const delivery = op.emulator.control.sendCallback({ appid: op.appid, roomid: '123', taskid: 'cb-sb-restart', url, status: 3002, errcode: 1001 });
    await delay(300);
    op.start({ leaderElection: election });
    const result = await delivery;
    expect(result.delivered).toBe(true);
    expect(result.attempts).toBeGreaterThan(1);
    const t = await op.waitForCondition('sb-restart', 'Streaming', 'False', 'Interrupted');
    expect(t?.status?.destinations?.[0]).toMatchObject({ state: 'Interrupted', errcode: 1001 });
    await expectLeaderUnchanged();
  });
});

