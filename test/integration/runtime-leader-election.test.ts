// Leader election on a real coordination.k8s.io/v1 Lease, with short timings (lease 3 s,
// renew deadline 2 s, retry 0.5 s): one leader at a time, takeover within about one lease
// duration after the leader dies, immediate handover on release.
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../src/runtime/leader-election.js';
import { createNamespace, kubeConfigFromInjected } from '../harness/kube.js';
import { until } from '../support/eventually.js';

interface Candidate {
  readonly identity: string;
  readonly elector: LeaderElector;
  readonly log: string[];
  readonly done: Promise<void>;
}

const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };


describe('LeaderElector on a real apiserver', () => {
  let kc: KubeConfig;
  let namespace: string;
  const candidates: Candidate[] = [];
  const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });

  beforeAll(async () => {
    kc = kubeConfigFromInjected();
    namespace = await createNamespace(kc, 'runtime-leader');
  });

  afterEach(async () => {
    await Promise.all(candidates.splice(0).map((c) => c.elector.stop({ release: false })));
  });

  function candidate(identity: string, leaseName: string): Candidate {
    const log: string[] = [];
    const elector = new LeaderElector({
      kubeConfig: kc,
      namespace,
      name: leaseName,
      identity,
      logger,
      ...timing,
      onStartedLeading: () => void log.push('started'),
      onStoppedLeading: () => void log.push('stopped'),
      onNewLeader: (id) => void log.push(`leader ${id}`),
    });
    const c = { identity, elector, log, done: elector.run() };
    candidates.push(c);
    return c;
  }

  const readLease = (name: string) => kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace });

  it('elects exactly one of two candidates and records it in the Lease', async () => {
    const a = candidate('replica-a', 'two-candidates');
    const b = candidate('replica-b', 'two-candidates');
    await until(() => a.elector.isLeader() || b.elector.isLeader(), 'a leader');
    // Several renew periods later there is still exactly one.
    await new Promise((r) => setTimeout(r, 2_000));
    const leaders = [a, b].filter((c) => c.elector.isLeader());
    expect(leaders).toHaveLength(1);
    const leader = leaders[0]!;
    const follower = leader === a ? b : a;
    expect(follower.elector.getLeader()).toBe(leader.identity);
    expect(follower.log).toEqual([`leader ${leader.identity}`]);

    const lease = await readLease('two-candidates');
    expect(lease.spec?.holderIdentity).toBe(leader.identity);
    expect(lease.spec?.leaseDurationSeconds).toBe(3);
    // renewTime is fresh: the leader keeps renewing.
    const renewedAgoMs = Date.now() - new Date(lease.spec!.renewTime as unknown as string).getTime();
    expect(renewedAgoMs).toBeLessThan(2_000);
  });

  it('lets the other candidate take over within about one lease duration after the leader dies', async () => {
    const a = candidate('replica-a', 'takeover');
    await until(() => a.elector.isLeader(), 'a leads');
    const b = candidate('replica-b', 'takeover');
    await until(() => b.elector.getLeader() === 'replica-a', 'b sees a');
    // A crash: no release, the lease is left to expire.
    await a.elector.stop({ release: false });
    const tookMs = await until(() => b.elector.isLeader(), 'b leads');
    // b may take over once it has not seen the lease change for 3 s (a renewed ≤ 0.5 s before dying).
    expect(tookMs).toBeGreaterThan(2_000);
    expect(tookMs).toBeLessThan(4_500);
    const lease = await readLease('takeover');
    expect(lease.spec?.holderIdentity).toBe('replica-b');
    expect(lease.spec?.leaseTransitions).toBe(1);
    expect(a.log).toEqual(['leader replica-a', 'started', 'stopped']);
  });

  it('hands over at once when the leader releases the lease', async () => {
    const a = candidate('replica-a', 'release');
    await until(() => a.elector.isLeader(), 'a leads');
    const b = candidate('replica-b', 'release');
    await until(() => b.elector.getLeader() === 'replica-a', 'b sees a');
    await a.elector.stop({ release: true });
    const released = await readLease('release');
    // Either still released, or already taken by b.
    expect(['', 'replica-b']).toContain(released.spec?.holderIdentity ?? '');
    const tookMs = await until(() => b.elector.isLeader(), 'b leads');
    // One retry period (jittered to at most 0.6 s), far below the 3 s lease.
    expect(tookMs).toBeLessThan(1_500);
  });

  it('steps down when it can no longer renew, before anyone else may take over', async () => {
    const a = candidate('replica-a', 'step-down');
    await until(() => a.elector.isLeader(), 'a leads');
    // Another writer takes the lease behind a's back (as a partitioned leader would experience).
    const api = kc.makeApiClient(CoordinationV1Api);
    const lease = await api.readNamespacedLease({ name: 'step-down', namespace });
    lease.spec!.holderIdentity = 'intruder';
    await api.replaceNamespacedLease({ name: 'step-down', namespace, body: lease });
    const tookMs = await until(() => !a.elector.isLeader(), 'a steps down');
    expect(tookMs).toBeLessThan(3_500);
    await a.done;
    expect(a.log).toEqual(['leader replica-a', 'started', 'leader intruder', 'stopped']);
  });
});
