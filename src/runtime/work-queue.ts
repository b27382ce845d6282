// A keyed work queue with the guarantees of client-go's rate-limited workqueue, which is what
// makes a reconciler safe to write: a key is never handled by two workers at once, a burst of
// events for one key collapses into one run, and an event that arrives while the key is being
// handled is not lost but causes exactly one more run afterwards.
import type { Logger } from '../observability/logger.js';
import { backoffDelay } from './backoff.js';
import { sleep } from './sleep.js';

export type WorkHandler = (key: string, signal: AbortSignal) => Promise<void>;

/**
 * Observation points for metrics, at the places client-go's workqueue counts (so the metrics can
 * keep its semantics); every hook is optional and must not throw.
 */
export interface WorkQueueHooks {
  /**
   * Keys added and not yet started — queued, or added again while their handler runs — after
   * every change (delayed keys count once their delay is over).
   */
  readonly depth?: (depth: number) => void;
  /** `key` was added and was not already waiting (an add merged into a waiting one is not). */
  readonly added?: (key: string) => void;
  /** addAfter (and so addRateLimited) accepted `key`, whatever the delay: a retry to client-go. */
  readonly delayed?: (key: string, delayMs: number) => void;
  /** A handler started for `key`, `waitMs` after the key was (first) added. */
  readonly started?: (key: string, waitMs: number) => void;
  /** A handler finished after `durationMs`; `error` is set when it rejected. */
  readonly finished?: (key: string, durationMs: number, error: unknown) => void;
  /** addRateLimited scheduled retry number `attempt` (1-based) of `key` after `delayMs`. */
  readonly retried?: (key: string, delayMs: number, attempt: number) => void;
}

export interface WorkQueueOptions {
  /** First retry delay of addRateLimited; defaults to 1 s. */
  readonly baseDelayMs?: number;
  /** Cap of the retry delay; defaults to 5 min. */
  readonly maxDelayMs?: number;
  /** Fraction by which a retry delay may be shortened at random; defaults to 0.1. */
  readonly jitter?: number;
  readonly random?: () => number;
  readonly now?: () => number;
  readonly hooks?: WorkQueueHooks;
  /** Receives handler failures (which are retried with addRateLimited). */
  readonly logger?: Logger;
}

export interface RunOptions {
  /** Handlers running at the same time, across different keys. */
  readonly concurrency: number;
}

export interface ShutdownOptions {
  /** How long in-flight handlers may run before their signal is aborted. */
  readonly deadlineMs: number;
}

export class WorkQueue {
  /** Keys ready for a worker, in order. Each appears at most once. */
  private readonly queue: string[] = [];
  /** Keys that need a run: queued, or added again while being processed. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly addedAt = new Map<string, number>();
  private readonly delayed = new Map<string, { readyAt: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly abort = new AbortController();
  private wakeUp: (() => void) | undefined;
  private drainedWaiters: Array<() => void> = [];
  private shuttingDown = false;
  private running = false;

  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly hooks: WorkQueueHooks;
  private readonly logger: Logger | undefined;

  constructor(opts: WorkQueueOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 1_000;
    this.maxDelayMs = opts.maxDelayMs ?? 300_000;
    this.jitter = opts.jitter ?? 0.1;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.hooks = opts.hooks ?? {};
    this.logger = opts.logger;
  }

  /** Queues `key` now. A key already waiting is not queued twice. Ignored after shutdown. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.addedAt.set(key, this.now());
    this.hooks.added?.(key);
    this.reportDepth();
    // A key being processed is re-queued when its handler finishes, never run alongside it.
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.notify();
  }

  /** Queues `key` after `delayMs`. If the key is already scheduled earlier, that time stands. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    this.hooks.delayed?.(key, delayMs);
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing !== undefined) {
      if (existing.readyAt <= readyAt) return;
      clearTimeout(existing.timer);
    }
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { readyAt, timer });
  }

  /** Queues `key` after its next exponential-backoff delay (grows until forget(key)). */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    const attempt = this.failures.get(key) ?? 0;
    this.failures.set(key, attempt + 1);
    const delayMs = backoffDelay(attempt, {
      baseMs: this.baseDelayMs,
      maxMs: this.maxDelayMs,
      jitter: this.jitter,
      random: this.random,
    });
    this.hooks.retried?.(key, delayMs, attempt + 1);
    this.addAfter(key, delayMs);
  }

  /** Resets the backoff of `key` (call after a successful run). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many times addRateLimited was called for `key` since the last forget. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting for a worker. */
  len(): number {
    return this.queue.length;
  }

  /** Keys whose handler is running. */
  inFlight(): number {
    return this.processing.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Hands queued keys to `handler`, at most `concurrency` at a time and never two for the same
   * key. A handler that rejects is logged and retried with addRateLimited; otherwise the handler
   * decides (forget on success, addAfter for periodic work). Resolves after shutdown() drained.
   */
  async run(handler: WorkHandler, opts: RunOptions): Promise<void> {
    if (this.running) throw new Error('WorkQueue.run: already running');
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
      throw new Error(`WorkQueue.run: concurrency must be a positive integer, got ${opts.concurrency}`);
    }
    this.running = true;
    for (;;) {
      while (!this.shuttingDown && this.queue.length > 0 && this.processing.size < opts.concurrency) {
        const key = this.queue.shift();
        if (key === undefined) break;
        this.process(key, handler);
      }
      if (this.shuttingDown) break;
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
      });
    }
    await this.drained();
  }

  /**
   * Stops taking work: queued and delayed keys are dropped and later adds ignored. Waits for
   * in-flight handlers; after `deadlineMs` their signal is aborted, and it still waits for them
   * to return (handlers must honour the signal). Safe to call more than once.
   */
  async shutdown(opts: ShutdownOptions): Promise<void> {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      for (const { timer } of this.delayed.values()) clearTimeout(timer);
      this.delayed.clear();
      this.queue.length = 0;
      this.dirty.clear();
      this.addedAt.clear();
      this.reportDepth();
      this.notify();
    }
    if (this.processing.size === 0) return;
    const deadline = new AbortController();
    const outcome = await Promise.race([
      this.drained().then(() => 'drained' as const),
      sleep(opts.deadlineMs, deadline.signal).then(() => 'deadline' as const),
    ]);
    deadline.abort();
    if (outcome === 'deadline') {
      this.logger?.warn(
        { inFlight: [...this.processing], deadlineMs: opts.deadlineMs },
        'shutdown deadline passed: aborting in-flight handlers',
      );
      this.abort.abort(new Error('work queue shut down'));
      await this.drained();
    }
  }

  private process(key: string, handler: WorkHandler): void {
    this.processing.add(key);
    this.dirty.delete(key);
    this.reportDepth();
    const addedAt = this.addedAt.get(key);
    this.addedAt.delete(key);
    const startedAt = this.now();
    this.hooks.started?.(key, addedAt === undefined ? 0 : Math.max(0, startedAt - addedAt));
    const signal = this.abort.signal;
    // Promise.resolve().then: a handler that throws synchronously is treated like a rejection.
    Promise.resolve()
      .then(() => handler(key, signal))
      .then(
        () => this.hooks.finished?.(key, this.now() - startedAt, undefined),
        (error: unknown) => {
          this.hooks.finished?.(key, this.now() - startedAt, error);
          this.logger?.error({ key, err: error }, 'work handler failed; retrying with backoff');
          this.addRateLimited(key);
        },
      )
      .catch((error: unknown) => {
        // Only a throwing hook gets here; the queue's bookkeeping must still run.
        this.logger?.error({ key, err: error }, 'work queue hook failed');
      })
      .finally(() => this.done(key));
  }

  private done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.queue.push(key);
    if (this.processing.size === 0) {
      const waiters = this.drainedWaiters;
      this.drainedWaiters = [];
      for (const resolve of waiters) resolve();
    }
    this.notify();
  }

  private drained(): Promise<void> {
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainedWaiters.push(resolve));
  }

  private notify(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private reportDepth(): void {
    this.hooks.depth?.(this.dirty.size);
  }
}
