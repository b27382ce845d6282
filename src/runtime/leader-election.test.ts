// The election rules against an in-memory lease under fake timers (every duration below is
// simulated time, so the assertions are exact and independent of machine load). The same
// scenarios run against a real apiserver in test/integration/runtime-leader-election.test.ts.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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
  /** Reads get no answer until their signal aborts (a hung apiserver connection). */
  hangReads = false;
  writes = 0;
  private rv = 0;

  get(signal: AbortSignal): Promise<ObservedLease | undefined> {
    if (this.hangReads) {
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    }
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
/** Lets `ms` of simulated time pass, running the timers and promise callbacks due meanwhile. */
const sleep = (ms: number): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => undefined);

/** Advances simulated time 1 ms at a time until `predicate` holds; returns the time it took. */
async function until(predicate: () => boolean, what: string, timeoutMs = 3_000): Promise<number> {
  const start = performance.now();
  while (!predicate()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await vi.advanceTimersByTimeAsync(1);
  }
  return performance.now() - start;
}

describe('LeaderElector (in-memory lease)', () => {
  const started: Candidate[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    const stopping = Promise.all(started.map((c) => c.elector.stop({ release: false })));
    await vi.runAllTimersAsync();
    await stopping;
    started.length = 0;
    vi.useRealTimers();
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
    // No jitter: b tries exactly every retry period (100 ms).
    const b = candidate('b', lock, { random: () => 0 });
    await sleep(200);
    await a.elector.stop({ release: false });
    const tookMs = await until(() => b.elector.isLeader(), 'b leads');
    // Expiry runs from when b first saw a's last renewal (that renewal was less than a retry
    // period before a stopped, and b saw it at its next attempt): one lease duration, give or
    // take one retry period, never less than the lease duration after that renewal.
    expect(tookMs).toBeGreaterThan(1_000 - 100);
    expect(tookMs).toBeLessThanOrEqual(1_000 + 100);
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
    // At b's next attempt: one jittered retry period at most.
    expect(tookMs).toBeLessThanOrEqual(120);
  });

  it.each([
    { outage: 'every lease write fails', cut: (lock: MemoryLock) => void (lock.failWrites = true) },
    { outage: 'a renewal hangs without an answer', cut: (lock: MemoryLock) => void (lock.hangReads = true) },
  ])('steps down exactly renewDeadline after its last renewal, before the lease could expire, when $outage', async ({ cut }) => {
    const lock = new MemoryLock();
    const a = candidate('a', lock);
    await until(() => a.elector.isLeader(), 'a leads');
    const writes = lock.writes;
    await until(() => lock.writes > writes, 'a renews');
    // That renewal started at this very instant (the in-memory lease answers at once).
    const lastRenew = performance.now();
    cut(lock);
    await until(() => a.leadingSignal?.aborted === true, 'a steps down');
    expect(performance.now() - lastRenew).toBe(timing.renewDeadlineMs);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.elector.holdsLease()).toBe(false);
    await a.done;
    expect(a.log).toEqual(['leader a', 'started', 'stopped']);
  });

  it('holdsLease(): true while renewed, false at once after the process was frozen past renewDeadline', async () => {
    const lock = new MemoryLock();
    let frozenMs = 0;
    // performance.now() keeps counting while a process is stopped; its timers do not run.
    const a = candidate('a', lock, { monotonicNow: () => performance.now() + frozenMs });
    await until(() => a.elector.isLeader(), 'a leads');
    await sleep(2_000);
    expect(a.elector.holdsLease()).toBe(true);
    expect(a.leadingSignal?.aborted).toBe(false);
    const writes = lock.writes;

    frozenMs += timing.leaseDurationMs * 3; // SIGSTOP ... SIGCONT, no timer has fired yet
    expect(a.elector.holdsLease()).toBe(false);
    expect(a.leadingSignal?.aborted).toBe(true);
    expect(a.elector.isLeader()).toBe(false);

    await a.done;
    expect(a.log).toEqual(['leader a', 'started', 'stopped']);
    // It did not try to renew a lease another replica may hold by now.
    expect(lock.writes).toBe(writes);
  });

  it('holdsLease() is false for a standby and after stop()', async () => {
    const lock = new MemoryLock();
    const a = candidate('a', lock);
    await until(() => a.elector.isLeader(), 'a leads');
    const b = candidate('b', lock);
    await sleep(500);
    expect(b.elector.holdsLease()).toBe(false);
    expect(a.elector.holdsLease()).toBe(true);
    const stopping = a.elector.stop();
    expect(a.elector.holdsLease()).toBe(false);
    await stopping;
    expect(a.leadingSignal?.aborted).toBe(true);
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
