// Lease-based leader election with client-go's rules, so that at most one operator replica
// talks to the vendor at a time:
//   - a candidate takes the lease when it does not exist, has no holder, or has not been renewed
//     for leaseDuration *as observed on the candidate's own clock* (the time it first saw the
//     current resourceVersion; remote timestamps are never compared with local time, so clock
//     skew between nodes cannot cause two leaders);
//   - the leader renews every retryPeriod and gives up leadership if it has not managed to renew
//     within renewDeadline, which is shorter than leaseDuration: it stops leading before anyone
//     else may start;
//   - every write carries the resourceVersion it was based on (409 Conflict = someone else won);
//   - stop({ release: true }) empties the holder so a successor takes over at once.
// Losing leadership is final for an elector: run() resolves, and the process should exit (as
// controller-runtime does) rather than keep half-stopped controllers around.
//
// Acting only while leading — the API for code that touches the outside world (vendor calls):
//   - holdsLease(): boolean, synchronous and cheap. True only while this replica leads and its
//     last successful acquire/renew *started* less than renewDeadline ago by the monotonic clock
//     (performance.now, which keeps counting while the process is frozen). A process stopped by
//     SIGSTOP or a long GC pause and resumed after the lease could have passed to another replica
//     answers false at once, before any timer of its own has run. Call it immediately before each
//     vendor call and make no call when it is false.
//   - the `signal` given to onStartedLeading aborts as soon as the lease is no longer held: when
//     holdsLease() finds it expired, when the expiry timer wakes up, when renewing fails for
//     renewDeadline, or on stop(). Pass it (or a signal derived from it) to every call in flight
//     so that they are cut off when leadership ends.
// renewDeadline < leaseDuration, so holdsLease() turns false before any other replica may take
// the lease over, measured on the other replica's clock from when it saw our last renewal.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import { describeKubeError, httpStatusOf } from './kube-client.js';
import { KubeLeaseLock, type LeaseLock, type LeaseRecord, type ObservedLease } from './lease-lock.js';
import { deadlineSignal, sleep } from './sleep.js';

export interface LeaderElectionOptions {
  /** Needed unless `lock` is given. */
  readonly kubeConfig?: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** Unique per replica, e.g. the pod name plus a random suffix. */
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly logger: Logger;
  /** Called once leadership is acquired; `signal` aborts when it ends. Not awaited. */
  readonly onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called once when leadership ends (lost, or stop()). */
  readonly onStoppedLeading: () => void;
  /** Called whenever a different holder is observed (this replica included). */
  readonly onNewLeader?: (identity: string) => void;
  /** Storage override for tests; defaults to a Lease via the kubeconfig. */
  readonly lock?: LeaseLock;
  /** Wall clock for the timestamps written into the Lease; defaults to Date.now. */
  readonly now?: () => number;
  /** Monotonic clock for every duration measured here; defaults to performance.now. */
  readonly monotonicNow?: () => number;
  readonly random?: () => number;
}

export interface StopOptions {
  /** Empty the lease so a successor need not wait for it to expire. Defaults to true. */
  readonly release?: boolean;
}

export class LeaderElector {
  private readonly lock: LeaseLock;
  private readonly logger: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly now: () => number;
  private readonly monotonicNow: () => number;
  private readonly random: () => number;
  private readonly stopController = new AbortController();
  private observed: ObservedLease | undefined;
  /** Monotonic time at which `observed` was first seen. */
  private observedAt = 0;
  /** Monotonic time at which the last successful acquire or renew was started. */
  private heldSince = Number.NEGATIVE_INFINITY;
  private expiryTimer: NodeJS.Timeout | undefined;
  private reportedLeader: string | undefined;
  private leading: AbortController | undefined;
  private release = true;
  private running: Promise<void> | undefined;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    if (this.leaseDurationMs <= this.renewDeadlineMs) {
      throw new Error('leader election: leaseDuration must be greater than renewDeadline');
    }
    if (this.renewDeadlineMs <= this.retryPeriodMs * 1.2) {
      throw new Error('leader election: renewDeadline must be greater than 1.2 x retryPeriod');
    }
    if (this.leaseDurationMs < 1_000 || this.retryPeriodMs <= 0) {
      throw new Error('leader election: leaseDuration must be at least 1 s and retryPeriod positive');
    }
    if (opts.identity === '') throw new Error('leader election: identity must not be empty');
    if (opts.lock === undefined && opts.kubeConfig === undefined) {
      throw new Error('leader election: kubeConfig or lock is required');
    }
    this.lock = opts.lock ?? new KubeLeaseLock(opts.kubeConfig as KubeConfig, opts.namespace, opts.name);
    this.logger = opts.logger.child({ lease: this.lock.description, identity: opts.identity });
    this.now = opts.now ?? Date.now;
    this.monotonicNow = opts.monotonicNow ?? (() => performance.now());
    this.random = opts.random ?? Math.random;
  }

  /**
   * Campaigns until elected, leads until leadership is lost or stop() is called, then resolves.
   * Calling it again returns the same promise.
   */
  run(): Promise<void> {
    this.running ??= this.campaignAndLead();
    return this.running;
  }

  /** Stops campaigning or leading; resolves after onStoppedLeading (and the release) ran. */
  async stop(opts: StopOptions = {}): Promise<void> {
    this.release = opts.release ?? true;
    this.stopController.abort();
    await this.running;
  }

  isLeader(): boolean {
    return this.leading !== undefined && !this.leading.signal.aborted;
  }

  /**
   * Whether this replica may act as leader right now (see the file header): leading, and the last
   * successful acquire/renew started less than renewDeadline ago. When it is not, the leading
   * signal is aborted before this returns.
   */
  holdsLease(): boolean {
    const leading = this.leading;
    if (leading === undefined || leading.signal.aborted || this.stopped) return false;
    if (this.monotonicNow() - this.heldSince < this.renewDeadlineMs) return true;
    this.logger.error({ renewDeadlineMs: this.renewDeadlineMs }, 'leader lease not renewed within renewDeadline; leadership ends');
    leading.abort(new Error('leader lease not renewed within renewDeadline'));
    clearTimeout(this.expiryTimer);
    return false;
  }

  /** The holder last observed on the lease ('' when free, undefined before the first read). */
  getLeader(): string | undefined {
    return this.observed?.record.holderIdentity;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async campaignAndLead(): Promise<void> {
    if (!(await this.acquire())) return;
    const leading = new AbortController();
    this.leading = leading;
    // The acquire may have been slow: lead only if it is still fresh.
    if (this.holdsLease()) {
      this.armExpiry();
      this.logger.info('became leader');
      this.callSafely('onStartedLeading', () => this.opts.onStartedLeading(leading.signal));
      await this.renewUntilLost(leading.signal);
    }
    clearTimeout(this.expiryTimer);
    this.leading = undefined;
    leading.abort(new Error('leadership ended'));
    if (this.stopped && this.release) await this.releaseLease();
    this.logger.info(this.stopped ? 'stopped leading' : 'lost leadership');
    this.callSafely('onStoppedLeading', () => this.opts.onStoppedLeading());
  }

  /** Tries every retryPeriod (jittered) until the lease is ours; false if stopped first. */
  private async acquire(): Promise<boolean> {
    this.logger.info('attempting to acquire leader lease');
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew(this.renewDeadlineMs, undefined)) return true;
      await sleep(this.retryPeriodMs * (1 + 0.2 * this.random()), this.stopController.signal);
    }
    return false;
  }

  /**
   * Renews every retryPeriod; returns when stopped or when the lease was not renewed within
   * renewDeadline of the last success (holdsLease() turned false, which aborted `leading`).
   */
  private async renewUntilLost(leading: AbortSignal): Promise<void> {
    const wake = AbortSignal.any([this.stopController.signal, leading]);
    while (!this.stopped) {
      if ((await sleep(this.retryPeriodMs, wake)) === 'aborted') return;
      let renewed = false;
      while (!this.stopped && !renewed) {
        // Also the check after a wake-up: a process frozen past the deadline ends here.
        if (!this.holdsLease()) return;
        const remaining = this.heldSince + this.renewDeadlineMs - this.monotonicNow();
        renewed = await this.tryAcquireOrRenew(remaining, leading);
        if (renewed) this.armExpiry();
        else await sleep(Math.min(this.retryPeriodMs, Math.max(0, this.heldSince + this.renewDeadlineMs - this.monotonicNow())), wake);
      }
    }
  }

  /** Aborts the leading signal when the lease runs out, even if no one calls holdsLease(). */
  private armExpiry(): void {
    clearTimeout(this.expiryTimer);
    const left = this.heldSince + this.renewDeadlineMs - this.monotonicNow();
    this.expiryTimer = setTimeout(() => {
      if (this.holdsLease()) this.armExpiry();
    }, Math.max(0, left));
  }

  /**
   * One read-modify-write of the lease, bounded by `timeoutMs` (and by `leading`, while renewing).
   * True if we hold it afterwards; heldSince is then the time this attempt started.
   */
  private async tryAcquireOrRenew(timeoutMs: number, leading: AbortSignal | undefined): Promise<boolean> {
    const parent = leading === undefined ? this.stopController.signal : AbortSignal.any([this.stopController.signal, leading]);
    const { signal, dispose } = deadlineSignal(timeoutMs, parent);
    try {
      const now = this.now();
      const started = this.monotonicNow();
      const current = await this.lock.get(signal);
      if (current === undefined) {
        const record = this.newRecord(undefined, now);
        const resourceVersion = await this.lock.create(record, signal);
        return this.held({ record, resourceVersion }, started, leading);
      }
      this.observe(current, this.monotonicNow());
      const holder = current.record.holderIdentity;
      const durationMs = current.record.leaseDurationSeconds * 1_000;
      if (holder !== '' && holder !== this.opts.identity && this.observedAt + durationMs > this.monotonicNow()) {
        return false;
      }
      const record = this.newRecord(current.record, now);
      const resourceVersion = await this.lock.update(record, current.resourceVersion, signal);
      return this.held({ record, resourceVersion }, started, leading);
    } catch (error) {
      if (!this.stopped) {
        const conflict = httpStatusOf(error) === 409;
        this.logger[conflict ? 'debug' : 'warn'](
          { error: describeKubeError(error) },
          conflict ? 'lost a race for the leader lease' : 'leader lease read/write failed',
        );
      }
      return false;
    } finally {
      dispose();
    }
  }

  /** Records a successful write started at `started`; false if leadership ended meanwhile. */
  private held(lease: ObservedLease, started: number, leading: AbortSignal | undefined): boolean {
    this.observe(lease, this.monotonicNow());
    if (leading?.aborted === true) return false;
    this.heldSince = started;
    return true;
  }

  private newRecord(previous: LeaseRecord | undefined, now: number): LeaseRecord {
    const mine = previous?.holderIdentity === this.opts.identity;
    return {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1_000),
      acquireTime: mine ? previous.acquireTime : new Date(now),
      renewTime: new Date(now),
      leaseTransitions: previous === undefined ? 0 : mine ? previous.leaseTransitions : previous.leaseTransitions + 1,
    };
  }

  private observe(lease: ObservedLease, now: number): void {
    if (this.observed?.resourceVersion !== lease.resourceVersion) {
      this.observed = lease;
      this.observedAt = now;
    }
    const holder = lease.record.holderIdentity;
    if (holder !== '' && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      if (holder !== this.opts.identity) this.logger.info({ leader: holder }, 'new leader observed');
      const onNewLeader = this.opts.onNewLeader;
      if (onNewLeader !== undefined) this.callSafely('onNewLeader', () => onNewLeader(holder));
    }
  }

  /**
   * Empties the holder so that the next candidate need not wait for expiry. stop() aborts a renewal
   * that may be in flight; the server can still have applied it, leaving our resourceVersion
   * stale. So a conflict re-reads the lease and, while it is still ours, tries again.
   */
  private async releaseLease(): Promise<void> {
    let observed = this.observed;
    if (observed?.record.holderIdentity !== this.opts.identity) return;
    const { signal, dispose } = deadlineSignal(this.renewDeadlineMs);
    try {
      for (let attempt = 0; ; attempt++) {
        const now = new Date(this.now());
        try {
          const resourceVersion = await this.lock.update(
            { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: observed.record.leaseTransitions },
            observed.resourceVersion,
            signal,
          );
          this.observed = undefined;
          this.logger.info({ resourceVersion }, 'released the leader lease');
          return;
        } catch (error) {
          if (httpStatusOf(error) !== 409 || attempt >= 2) throw error;
          const fresh = await this.lock.get(signal);
          if (fresh?.record.holderIdentity !== this.opts.identity) return;
          observed = fresh;
        }
      }
    } catch (error) {
      this.logger.warn({ error: describeKubeError(error) }, 'could not release the leader lease; it will expire');
    } finally {
      dispose();
    }
  }

  private callSafely(name: string, fn: () => unknown): void {
    try {
      const result = fn();
      if (result instanceof Promise) {
        result.catch((error: unknown) => this.logger.error({ err: error }, `${name} callback failed`));
      }
    } catch (error) {
      this.logger.error({ err: error }, `${name} callback failed`);
    }
  }
}
