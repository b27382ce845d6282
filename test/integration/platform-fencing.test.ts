// Issue 8, leak path 2: leadership fencing with two operator processes on one Lease (lease 3 s,
// renew deadline 2 s, retry 500 ms). The leader is frozen with SIGSTOP while its startrtmp is
// pending at the vendor (carried out, answer held back), stays frozen past the lease duration while
// work arrives and the standby takes over, then resumes with SIGCONT at once: its watches deliver
// that work to it while the new leader does it. The emulator's call log (the caller's Lease identity and the arrival time of every call) must show
// no call from the old leader after the takeover; the old leader exits, and its late answer
// overwrites nothing the new leader recorded.
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { START_INTENT_ANNOTATION } from '../../src/api/v1alpha1/constants.js';
import type { CallRecord } from '../../src/emulator/control-api.js';
import { CALLBACK_TOKEN, condition, OperatorFixture, type TaskObject } from '../harness/operator.js';
import type { OperatorProcess} from '../harness/operator-process.js';
import { eventually, killAllOperatorProcesses, printOperatorLogsOnFailure, startElectingReplica } from '../harness/operator-process.js';

const LEASE = 'rpo-fencing';
const mixOutput = { streamtype: 2, audiobitrate: 64, audiochannel: 2, audiosample: 44100, audioencode: 1 };

interface Holder {
  readonly identity: string;
  /** spec.acquireTime: when this holder took the Lease (written with its clock, the same machine's). */
  readonly acquiredAt: number;
}

describe('leadership fencing: a frozen leader resumes after the takeover', () => {
  printOperatorLogsOnFailure();
  let env: OperatorFixture;
  const procs = new Map<string, OperatorProcess>();

  async function startReplica(name: string): Promise<OperatorProcess> {
    const { proc } = await startElectingReplica({ name, fixtureArgs: env.processArgs(), namespace: env.namespace, lease: LEASE, callbackToken: CALLBACK_TOKEN });
    procs.set(name, proc);
    return proc;
  }

  async function holder(): Promise<Holder | undefined> {
    const lease = await env.kubeConfig
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: LEASE, namespace: env.namespace })
      .catch((err: unknown) => {
        if ((err as { code?: number }).code === 404) return undefined; // not created yet
        throw err;
      });
    if (lease === undefined) return undefined;
    const identity = lease.spec?.holderIdentity;
    const acquired = lease.spec?.acquireTime;
    return identity === undefined || identity === '' || acquired === undefined ? undefined : { identity, acquiredAt: new Date(acquired).getTime() };
  }

  /** The process holding the Lease under `identity` (POD_NAME + "_" + a random suffix). */
  function procOf(identity: string): OperatorProcess {
    const proc = procs.get(identity.slice(0, identity.lastIndexOf('_')));
    if (proc === undefined) throw new Error(`no process for Lease holder ${identity}`);
    return proc;
  }

  function synced(t: TaskObject | undefined, generation: number): boolean {
    const c = condition(t, 'Synced');
    return t?.metadata.generation === generation && c?.status === 'True' && c.reason === 'Synced' && c.observedGeneration === generation;
  }

  beforeAll(async () => {
    env = await OperatorFixture.create({ prefix: 'fencing', deferStart: true });
    await Promise.all([startReplica('fence-a'), startReplica('fence-b')]);
  });

  afterAll(async () => {
    for (const p of procs.values()) p.signal('SIGCONT');
    await killAllOperatorProcesses();
    await env.close();
  });

  it('no vendor call from the old leader starts after the standby took over', async () => {
    const first = await eventually('a leader', () => holder());
    const leader = procOf(first.identity);
    const standby = [...procs.values()].find((p) => p !== leader);
    if (standby === undefined) throw new Error('no standby');
    await standby.waitForLog((r) => r.msg === 'new leader observed', 'the standby observing the leader');

    // The leader's next start is carried out at once and answered 6 s later: a call in flight.
    await env.emulator.control.addFault({ endpoint: 'startrtmp', carryOut: true, latencyMs: 6_000, count: 1, match: { instance: first.identity } });
    await env.create(env.task('fence-1', { taskid: 'fence-1' }));
    await eventually('the leader\'s startrtmp pending at the vendor', async () => ((await env.emulator.control.faults())[0]?.hits === 1 ? true : undefined));
    leader.signal('SIGSTOP');
    const frozenAt = Date.now();

    // Work arrives while the leader is frozen: a change to the task it was starting, and a new task.
    await env.patchSpec('fence-1', { mixconfig: { output: { ...mixOutput, audiobitrate: 96 } } });
    await env.create(env.task('fence-2', { taskid: 'fence-2' }));
    const next = await eventually('the standby holding the Lease', async () => {
      const h = await holder();
      return h !== undefined && h.identity !== first.identity ? h : undefined;
    });
    expect(procOf(next.identity)).toBe(standby);
    // Not before the frozen leader's lease ran out on the standby's clock.
    expect(next.acquiredAt - frozenAt).toBeGreaterThan(2_000);

    // Resumed at once: its watches now deliver the work above while the new leader does it too.
    leader.signal('SIGCONT');
    await env.waitFor('fence-1', (t) => synced(t, 2), 20_000, 'fence-1 generation 2 synced');
    await env.waitFor('fence-2', (t) => synced(t, 1), 20_000, 'fence-2 synced');
    // A replica that lost its Lease exits (and would be restarted clean).
    const exit = await leader.exited;
    expect(exit.code).toBe(1);
    expect(leader.records().some((r) => r.msg === 'leadership lost; exiting')).toBe(true);
    // The held-back answer is logged when it is sent (to nobody, or to the resumed process).
    const calls = await env.waitForVendorCalls((all) => all.some((c) => c.fault !== null), 20_000, 'the held-back answer logged');

    const arrived = (c: CallRecord): number => Date.parse(c.at);
    const fromOld = calls.filter((c) => c.instance === first.identity);
    const fromNew = calls.filter((c) => c.instance === next.identity);
    expect(fromOld.length + fromNew.length).toBe(calls.length);
    // The old leader's only call is the one that was pending when it froze...
    expect(fromOld.map((c) => `${c.endpoint} ${(c.body as { taskid?: string }).taskid ?? ''}`)).toEqual(['startrtmp fence-1']);
    expect(fromOld.every((c) => arrived(c) < frozenAt && arrived(c) < next.acquiredAt)).toBe(true);
    // ...and the new leader called only after taking over: the update of fence-1 and the start of fence-2.
    expect(fromNew.every((c) => arrived(c) >= next.acquiredAt)).toBe(true);
    expect(fromNew.map((c) => `${c.endpoint} ${(c.body as { taskid?: string }).taskid ?? ''} ${c.code ?? ''}`).sort()).toEqual([
      'startrtmp fence-1 0',
      'startrtmp fence-2 0',
    ]);

    // The vendor runs what the cluster declares; the late answer undid nothing.
    const vendor = await env.emulator.control.tasks();
    expect(vendor.map((t) => t.taskid).sort()).toEqual(['fence-1', 'fence-2']);
    const output = (vendor.find((t) => t.taskid === 'fence-1')?.request as { mixconfig?: { output?: { audiobitrate?: unknown } } }).mixconfig?.output;
    expect(output?.audiobitrate).toBe(96);
    const task = await env.get('fence-1');
    expect(synced(task, 2)).toBe(true);
    const intent = JSON.parse(task?.metadata.annotations?.[START_INTENT_ANNOTATION] ?? '{}') as { id?: string };
    expect(task?.status?.['settledIntent']).toBe(intent.id);
  });
});
