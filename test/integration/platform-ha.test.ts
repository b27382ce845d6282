// Two (then three) operator processes electing a leader on one Lease, with short timings (lease
// 3 s, renew deadline 2 s, retry 500 ms): only the leader calls the vendor, so each change costs
// one call; the standby is ready (caches warm) and says so in /readyz and leader_election_master_status; SIGTERM
// hands the Lease over at once and exits 0; SIGKILL hands it over after about one lease, and the
// successor finishes the work that arrived meanwhile.
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLBACK_TOKEN, condition, OperatorFixture, type TaskObject } from '../harness/operator.js';
import type {
  OperatorProcess} from '../harness/operator-process.js';
import {
  eventually,
  httpGet,
  killAllOperatorProcesses,
  printOperatorLogsOnFailure,
  sampleSum,
  scrape,
  startElectingReplica,
  type ListenPorts,
  type Sample,
} from '../harness/operator-process.js';

const LEASE = 'rpo-ha';
const LEASE_MS = 3_000;

interface Replica {
  readonly proc: OperatorProcess;
  readonly ports: ListenPorts;
}

interface LeaseChange {
  readonly holder: string;
  readonly at: number;
}

/** Records every holderIdentity the Lease goes through, with the local time each was seen. */
async function watchLease(kc: KubeConfig, namespace: string, name: string): Promise<{ changes: LeaseChange[]; stop: () => void }> {
  const changes: LeaseChange[] = [];
  const controller = await new Watch(kc).watch(
    `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
    { fieldSelector: `metadata.name=${name}` },
    (_phase, obj: { spec?: { holderIdentity?: string } }) => {
      const holder = obj.spec?.holderIdentity ?? '';
      if (changes.at(-1)?.holder !== holder) changes.push({ holder, at: Date.now() });
    },
    () => undefined,
  );
  return { changes, stop: () => controller.abort() };
}

describe('two operator processes with leader election', () => {
  printOperatorLogsOnFailure();
  let env: OperatorFixture;
  let lease: Awaited<ReturnType<typeof watchLease>>;
  const replicas = new Map<string, Replica>();

  async function startReplica(name: string): Promise<Replica> {
    const { proc, ports } = await startElectingReplica({ name, fixtureArgs: env.processArgs(), namespace: env.namespace, lease: LEASE, callbackToken: CALLBACK_TOKEN });
    const replica = { proc, ports };
    replicas.set(name, replica);
    return replica;
  }

  /** The replica named by the Lease's current holder (identity = POD_NAME + "_" + random). */
  function holderReplica(holder: string): Replica | undefined {
    return replicas.get(holder.slice(0, holder.lastIndexOf('_')));
  }

  async function currentLeader(since = 0): Promise<{ replica: Replica; holder: string; at: number }> {
    return eventually('a leader in the Lease', () => {
      const last = lease.changes.at(-1);
      if (last === undefined || last.holder === '' || last.at < since) return undefined;
      const replica = holderReplica(last.holder);
      return replica === undefined ? undefined : { replica, holder: last.holder, at: last.at };
    });
  }

  async function waitSynced(name: string, generation = 1): Promise<TaskObject | undefined> {
    return env.waitFor(
      name,
      (t) => t?.status?.observedGeneration === generation && condition(t, 'Synced')?.status === 'True',
      20_000,
      `generation ${generation} Synced`,
    );
  }

  /** startrtmp calls per taskid, and which process made them (the traceId ends with the pid). */
  async function startsByTask(): Promise<Map<string, string[]>> {
    const byTask = new Map<string, string[]>();
    for (const call of await env.vendorCalls('startrtmp')) {
      const taskid = (call.body as { taskid?: string } | null)?.taskid ?? '?';
      const pid = call.traceId?.split('-').at(-1) ?? '?';
      byTask.set(taskid, [...(byTask.get(taskid) ?? []), pid]);
    }
    return byTask;
  }

  beforeAll(async () => {
    env = await OperatorFixture.create({ prefix: 'platform-ha', deferStart: true });
    lease = await watchLease(env.kubeConfig, env.namespace, LEASE);
    await Promise.all([startReplica('replica-a'), startReplica('replica-b')]);
  });

  afterAll(async () => {
    lease.stop();
    await killAllOperatorProcesses();
    await env.close();
  });

  it('elects one leader; the standby is ready once its caches synced and exports leader_election_master_status 0', async () => {
    const { replica: leader } = await currentLeader();
    const standby = [...replicas.values()].find((r) => r !== leader);
    if (standby === undefined) throw new Error('no standby');
    await standby.proc.waitForLog((r) => r.msg === 'new leader observed', 'the standby observing the leader');

    for (const r of [leader, standby]) {
      await eventually(`${r.proc.name} /readyz 200`, async () => ((await httpGet(r.ports.health, '/readyz')).status === 200 ? true : undefined));
      expect((await httpGet(r.ports.health, '/healthz')).status).toBe(200);
    }
    const leaderStatus = (samples: Sample[]): number => sampleSum(samples, 'leader_election_master_status', { name: LEASE });
    expect(leaderStatus(await scrape(leader.ports.metrics))).toBe(1);
    expect(leaderStatus(await scrape(standby.ports.metrics))).toBe(0);
    expect(lease.changes.filter((c) => c.holder !== '')).toHaveLength(1);
  });

  it('makes exactly one vendor call per change, all from the leader', async () => {
    const { replica: leader } = await currentLeader();
    for (const n of [1, 2, 3]) await env.create(env.task(`ha-${n}`, { taskid: `ha-${n}` }));
    for (const n of [1, 2, 3]) await waitSynced(`ha-${n}`);
    await env.patchSpec('ha-2', { rtmpurls: ['rtmp://push.example.com/live/ha-2-moved'] });
    await waitSynced('ha-2', 2);
    await env.delete('ha-3');
    await env.waitFor('ha-3', (t) => t === undefined, 20_000, 'deletion');
    // Long enough for a second, uncoordinated operator to have made its own calls.
    await new Promise((r) => setTimeout(r, 1_500));

    const starts = await startsByTask();
    const pid = String(leader.proc.pid);
    expect(Object.fromEntries(starts)).toEqual({ 'ha-1': [pid], 'ha-2': [pid, pid], 'ha-3': [pid] });
    const stops = await env.vendorCalls('stoprtmp');
    expect(stops.map((c) => c.traceId?.split('-').at(-1))).toEqual([pid]);
  });

  it('on SIGTERM the leader releases the Lease, the standby leads at once, and the process exits 0', async () => {
    const { replica: leader } = await currentLeader();
    const standby = [...replicas.values()].find((r) => r !== leader && !r.proc.hasExited());
    if (standby === undefined) throw new Error('no standby');
    const signalledAt = Date.now();
    const exit = await leader.proc.terminate();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(leader.proc.records().some((r) => r.msg === 'released the leader lease')).toBe(true);

    const next = await currentLeader(signalledAt);
    expect(next.replica).toBe(standby);
    // The Lease went through "no holder" (released), not straight from one holder to the next.
    const after = lease.changes.filter((c) => c.at >= signalledAt).map((c) => c.holder);
    expect(after).toEqual(['', next.holder]);
    // Released, not expired: an expired Lease could not be taken before about a lease duration
    // after the leader's last renewal, and it renewed until just before it exited.
    expect(next.at - exit.at).toBeLessThan(LEASE_MS / 2);
    expect(next.at - signalledAt).toBeLessThan(LEASE_MS);

    await env.create(env.task('ha-after-term', { taskid: 'ha-after-term' }));
    await waitSynced('ha-after-term');
    expect((await startsByTask()).get('ha-after-term')).toEqual([String(standby.proc.pid)]);
    await eventually('leader_election_master_status 1 on the new leader', async () =>
      sampleSum(await scrape(standby.ports.metrics), 'leader_election_master_status', { name: LEASE }) === 1 ? true : undefined,
    );
  });

  it('after SIGKILL of the leader a standby takes over within about one lease and finishes the work created meanwhile', async () => {
    const { replica: leader } = await currentLeader();
    const standby = await startReplica('replica-c');
    await standby.proc.waitForLog((r) => r.msg === 'new leader observed', 'the new standby observing the leader');
    await eventually('the new standby ready', async () => ((await httpGet(standby.ports.health, '/readyz')).status === 200 ? true : undefined));
    const startsBefore = await env.vendorCalls('startrtmp');

    const killedAt = Date.now();
    const exit = await leader.proc.kill();
    expect(exit.signal).toBe('SIGKILL');
    // Work that arrives while nobody leads.
    await env.create(env.task('ha-after-kill', { taskid: 'ha-after-kill' }));
    await env.patchSpec('ha-1', { rtmpurls: ['rtmp://push.example.com/live/ha-1-moved'] });

    const next = await currentLeader(killedAt);
    expect(next.replica).toBe(standby);
    const takeoverMs = next.at - killedAt;
    // Not before the Lease expired (the dead leader renewed within the last retry period)...
    expect(takeoverMs).toBeGreaterThan(LEASE_MS - 1_000);
    // ...and not much later than one lease (plus one jittered retry period and some slack).
    expect(takeoverMs).toBeLessThan(LEASE_MS + 2_000);

    await waitSynced('ha-after-kill');
    await waitSynced('ha-1', 2);
    const pid = String(standby.proc.pid);
    const starts = await startsByTask();
    expect(starts.get('ha-after-kill')).toEqual([pid]);
    expect(starts.get('ha-1')?.at(-1)).toBe(pid);
    // The new leader re-reconciled every task on taking over, but called the vendor only for the two changes.
    expect(await env.vendorCalls('startrtmp')).toHaveLength(startsBefore.length + 2);
  });
});
