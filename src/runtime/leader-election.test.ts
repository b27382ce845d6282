// The election rules against an in-memory lease with real (short) timers. The same scenarios run
// against a real apiserver in test/integration/runtime-leader-election.test.ts.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderElector, type LeaderElectionOptions } from './leader-election.js';
import type { LeaseLock, LeaseRecord, ObservedLease } from './lease-lock.js';

class ConflictError extends Error {
  readonly code = 409;
}

/** A lease in memory with resourceVersion checks; `failWrites` simulates an unreachable apiserver. */
class MemoryLock implements LeaseLock {
  readonly description = 'memory/lease';
  current: ObservedLease | undefined;
  failWrites = false;
  failReads = false;
  writes = 0;
  private rv = 0;

  get(): Promise<ObservedLease | undefined> {
    if (this.failReads) return Promise.reject(new Error('apiserver unreachable'));
    return Promise.resolve(this.current);
  }

  create(record: LeaseRecord): Promise<string> {
    if (this.failWrites) return Promise.reject(new Error('apiserver unreachable'));
    if (this.current !== undefined) return Promise.reject(new ConflictError('already exists'));
    return Promise.resolve(this.store(record));
  }

  update(record: LeaseRecord, resourceVersion: string): Promise<string> {
    if (this.failWrites) return Promise.reject(new Error('apiserver unreachable'));
    if (this.current?.resourceVersion !== resourceVersion) return Promise.reject(new ConflictError('conflict'));
    return Promise.resolve(this.store(record));
  }

  private store(record: LeaseRecord): string {
    this.rv += 1;
    this.writes += 1;
    this.current = { record, resourceVersion: String(this.rv) };
    return this.current.resourceVersion;
  }
}

interface Candidate {
  elector: LeaderElector;
  log: string[];
  leadingSignal: AbortSignal | undefined;
  done: Promise<void>;
}

const timing = { leaseDurationMs: 1_000, renewDeadlineMs: 400, retryPeriodMs: 100 };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(predicate: () => boolean, what: string, timeoutMs = 3_000): Promise<number> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await sleep(5);
  }
  return Date.now() - start;
}

describe('LeaderElector (in-memory lease)', () => {
  const started: Candidate[] = [];
  afterEach(async () => {
    await Promise.all(started.map((c) => c.elector.stop({ release: false })));
    started.length = 0;
  });

  function candidate(identity: string, lock: LeaseLock, extra: Partial<LeaderElectionOptions> = {}): Candidate {
    const c: Partial<Candidate> & { log: string[] } = { log: [], leadingSignal: undefined };
    const elector = new LeaderElector({
      namespace: 'ns',
      name: 'lease',
      identity,
      lock,
      logger: pino({ level: 'silent' }),
      ...timing,
      onStartedLeading: (signal) => {
        c.leadingSignal = signal;
        c.log.push('started');
      },
      onStoppedLeading: () => void c.log.push('stopped'),
      onNewLeader: (id) => void c.log.push(`leader ${id}`),
      ...extra,
    });
    c.elector = elector;
    c.done = elector.run();
    const full = c as Candidate;
    started.push(full);
    return full;
  }

  it('creates the lease when there is none and leads', async () => {
    const lock = new MemoryLock();
    const a = candidate('a', lock);
    await until(() => a.elector.isLeader(), 'a leads');
    expect(a.log).toEqual(['leader a', 'started']);
    expect(lock.current?.record).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 1, leaseTransitions: 0 });
    expect(a.leadingSignal?.aborted).toBe(false);
  });

  it('keeps a second candidate out while the leader renews', async () => {
    const lock = new MemoryLock();
    const a = candidate('a', lock);
    await until(() => a.elector.isLeader(), 'a leads');
    const b = candidate('b', lock);
    const writesBefore = lock.writes;
    await sleep(1_500);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.log).toEqual(['leader a']);
    expect(b.elector.getLeader()).toBe('a');
    // a renewed about every retryPeriod (100 ms) meanwhile.
    expect(lock.writes - writesBefore).toBeGreaterThanOrEqual(8);
  });

  it('lets another candidate take over an abandoned lease after about one lease duration', async () => {
    const lock = new MemoryLock();
    const a = candidate('a', lock);
    await until(() => a.elector.isLeader(), 'a leads');
    const b = candidate('b', lock);
    await sleep(200);
    await a.elector.stop({ release: false });
    const tookMs = await until(() => b.elector.isLeader(), 'b leads');
    // Expiry is measured from when b last saw the lease change (≤ 1 retry period before a stopped).
    expect(tookMs).toBeGreaterThan(700);
    expect(tookMs).toBeLessThan(1_500);
    expect(lock.current?.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(a.log).toEqual(['leader a', 'started', 'stopped']);
    expect(b.log).toEqual(['leader a', 'leader b', 'started']);
  });

  it('hands over at once after a release', async () => {
    const lock = new MemoryLock();
    const a = candidate('a', lock);
    await until(() => a.elector.isLeader(), 'a leads');
    const b = candidate('b', lock);
    await sleep(150);
    await a.elector.stop({ release: true });
    expect(lock.current?.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    const tookMs = await until(() => b.elector.isLeader(), 'b leads');
    expect(tookMs).toBeLessThan(300);
  });

  it('stops leading when it cannot renew within renewDeadline, before the lease could expire', async () => {
    const lock = new MemoryLock();
    const a = candidate('a', lock);
    await until(() => a.elector.isLeader(), 'a leads');
    const lastRenew = Date.now();
    lock.failWrites = true;
    await until(() => !a.elector.isLeader(), 'a steps down');
    const leaderFor = Date.now() - lastRenew;
    expect(leaderFor).toBeGreaterThanOrEqual(400);
    expect(leaderFor).toBeLessThan(timing.leaseDurationMs);
    expect(a.leadingSignal?.aborted).toBe(true);
    await a.done;
    expect(a.log).toEqual(['leader a', 'started', 'stopped']);
  });

  it('elects exactly one of several candidates racing for a free lease', async () => {
    const lock = new MemoryLock();
    const cs = ['a', 'b', 'c', 'd'].map((id) => candidate(id, lock));
    await until(() => cs.some((c) => c.elector.isLeader()), 'someone leads');
    await sleep(300);
    expect(cs.filter((c) => c.elector.isLeader())).toHaveLength(1);
    expect(cs.filter((c) => c.log.includes('started'))).toHaveLength(1);
  });

  it('keeps campaigning while the apiserver is unreachable, and stop() ends the campaign', async () => {
    const lock = new MemoryLock();
    lock.failReads = true;
    const a = candidate('a', lock);
    await sleep(300);
    expect(a.elector.isLeader()).toBe(false);
    lock.failReads = false;
    await until(() => a.elector.isLeader(), 'a leads once reachable');
    await a.elector.stop();
    await a.done;
    expect(a.log).toEqual(['leader a', 'started', 'stopped']);
  });

  it('does not call onStoppedLeading when it never led', async () => {
    const lock = new MemoryLock();
    const a = candidate('a', lock);
    await until(() => a.elector.isLeader(), 'a leads');
    const b = candidate('b', lock);
    await sleep(150);
    await b.elector.stop();
    expect(b.log).toEqual(['leader a']);
    // b's stop must not have released a's lease.
    expect(lock.current?.record.holderIdentity).toBe('a');
  });

  it.each([
    { reason: 'leaseDuration must exceed renewDeadline', t: { leaseDurationMs: 1_000, renewDeadlineMs: 1_000, retryPeriodMs: 100 } },
    { reason: 'renewDeadline must exceed 1.2 x retryPeriod', t: { leaseDurationMs: 3_000, renewDeadlineMs: 1_000, retryPeriodMs: 900 } },
    { reason: 'a lease shorter than a second cannot be written', t: { leaseDurationMs: 500, renewDeadlineMs: 400, retryPeriodMs: 100 } },
  ])('rejects bad timing: $reason', ({ t }) => {
    expect(
      () =>
        new LeaderElector({
          namespace: 'ns',
          name: 'lease',
          identity: 'a',
          lock: new MemoryLock(),
          logger: pino({ level: 'silent' }),
          onStartedLeading: () => {},
          onStoppedLeading: () => {},
          ...t,
        }),
    ).toThrow();
  });
});
