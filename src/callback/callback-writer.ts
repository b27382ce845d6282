// Turns received callbacks into /status writes, on every replica. Any replica may receive a callback
// (one Service in front of all of them), and only the leader reconciles, so each replica writes
// what it received itself: a callback that reaches a standby, or arrives while the leader
// restarts, is not lost.
//
// Economy: the vendor repeats 3000-3002 periodically for every address, so writes must not follow
// callbacks one to one. Reports wait in PendingReports (newest per address) while the key sits
// in a keyed work queue; one run folds all of them into the latest object and writes only if the
// state changed, lastCallbackTime is due for its refresh, or a condition changed.
//
// Concurrency: two replicas (and the reconciler) write the same status. Every patch carries the
// resourceVersion it was computed from; a 409 means someone else wrote first, so the object is
// read again (GET, not the cache, which may lag) and the reports folded anew, a bounded number
// of times before the run fails and the queue retries it with backoff.
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { CallbackReport } from '../controller/destinations.js';
import type { Logger } from '../observability/logger.js';
import { httpStatusOf } from '../runtime/kube-client.js';
import { WorkQueue, type WorkQueueOptions } from '../runtime/work-queue.js';
import { PendingReports, type RecordOutcome } from './pending-reports.js';
import { planCallbackStatus } from './status-plan.js';
import type { StatusStore } from './status-store.js';
import { callbackView } from './task-view.js';

/** Observation points (metrics, tests); every hook is optional and must not throw. */
export interface StatusWriteHooks {
  /** A status patch succeeded. */
  readonly wrote?: (key: string) => void;
  /** A status patch was refused with 409; the object is read again. */
  readonly conflict?: (key: string) => void;
  /** Reports were folded in and nothing needed writing. */
  readonly skipped?: (key: string) => void;
  /** A run failed (after its conflict retries); its reports are kept and retried with backoff. */
  readonly failed?: (key: string, error: unknown) => void;
}

/** Counts what the writer did; handy for tests and as the source of metrics. */
export class StatusWriteCounter implements StatusWriteHooks {
  writes = 0;
  conflicts = 0;
  skips = 0;
  failures = 0;
  readonly wrote = (): void => {
    this.writes += 1;
  };
  readonly conflict = (): void => {
    this.conflicts += 1;
  };
  readonly skipped = (): void => {
    this.skips += 1;
  };
  readonly failed = (): void => {
    this.failures += 1;
  };
}

export interface CallbackWriterOptions {
  /** The informer cache's copy of a task, by `namespace/name`. */
  readonly getTask: (key: string) => UnvalidatedRtmpPushTask | undefined;
  readonly store: StatusStore;
  readonly logger: Logger;
  /** --status-refresh-interval: an unchanged state rewrites lastCallbackTime at most this often. */
  readonly refreshMs: number;
  /** --callback-stale-after: silence longer than this turns Streaming Unknown. */
  readonly staleMs: number;
  /** --default-appid, for specs without appid. */
  readonly defaultAppid?: string | undefined;
  /**
   * Called after a write recorded a 3003 (terminated) for an address of a task that should be
   * running. Restarting is the leader's reconciler's decision: wire this to its queue.
   */
  readonly onTerminated?: (key: string) => void;
  readonly hooks?: StatusWriteHooks;
  /** Tasks written at the same time; defaults to 4. */
  readonly concurrency?: number;
  /** 409 retries within one run; defaults to 5. */
  readonly maxConflictRetries?: number;
  readonly now?: () => Date;
  /** Passed to the work queue (retry backoff of failed runs). */
  readonly queue?: Pick<WorkQueueOptions, 'baseDelayMs' | 'maxDelayMs' | 'jitter' | 'random'>;
}

/** The object this replica last wrote, and the older versions the cache may still show. */
interface WrittenMemo {
  readonly object: UnvalidatedRtmpPushTask;
  readonly supersedes: ReadonlySet<string>;
}

const MAX_SUPERSEDED = 64;

export class CallbackWriter {
  private readonly pending = new PendingReports();
  private readonly queue: WorkQueue;
  private readonly written = new Map<string, WrittenMemo>();
  private readonly logger: Logger;
  private readonly hooks: StatusWriteHooks;
  private readonly now: () => Date;
  private readonly maxConflictRetries: number;
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: CallbackWriterOptions) {
    this.logger = opts.logger;
    this.hooks = opts.hooks ?? {};
    this.now = opts.now ?? (() => new Date());
    this.maxConflictRetries = opts.maxConflictRetries ?? 5;
    this.queue = new WorkQueue({ ...opts.queue, logger: opts.logger });
  }

  /**
   * Records a report for a task and queues the task. Synchronous and memory-only, so the HTTP
   * reply never waits on Kubernetes. 'stale' when this replica already had a report at least as
   * new for the address (dropped).
   */
  record(key: string, report: CallbackReport): RecordOutcome {
    const outcome = this.pending.record(key, report);
    if (outcome === 'recorded') this.queue.add(key);
    return outcome;
  }

  /** Forgets a deleted task (call from the informer's delete event). */
  forget(key: string): void {
    this.pending.forget(key);
    this.written.delete(key);
  }

  /** Starts the workers. */
  start(): void {
    this.loop ??= this.queue
      .run((key, signal) => this.process(key, signal), { concurrency: this.opts.concurrency ?? 4 })
      .catch((error: unknown) => this.logger.error({ err: error }, 'callback writer stopped'));
  }

  /** Resolves when no report is waiting and no write is in flight. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Writes what is still waiting (until `deadlineMs`), then stops. Close the callback server
   * first, so nothing new arrives while draining.
   */
  async shutdown(opts: { deadlineMs: number }): Promise<void> {
    const started = Date.now();
    if (this.loop !== undefined && !this.isIdle()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.whenIdle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.deadlineMs)))]);
      clearTimeout(timer);
      if (this.pending.size > 0) this.logger.warn({ tasks: this.pending.size }, 'shutting down with callback reports not yet written');
    }
    await this.queue.shutdown({ deadlineMs: Math.max(0, opts.deadlineMs - (Date.now() - started)) });
    await this.loop;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private isIdle(): boolean {
    return this.pending.size === 0 && this.running === 0;
  }

  /** The freshest object we know: the cache, unless it has not yet seen our own last write. */
  private latest(key: string): { task: UnvalidatedRtmpPushTask | undefined; superseded: Set<string> } {
    const cached = this.opts.getTask(key);
    const memo = this.written.get(key);
    const rv = cached?.metadata.resourceVersion;
    if (memo !== undefined && rv !== undefined && memo.supersedes.has(rv)) {
      return { task: memo.object, superseded: new Set(memo.supersedes) };
    }
    this.written.delete(key);
    return { task: cached, superseded: new Set() };
  }

  private async process(key: string, signal: AbortSignal): Promise<void> {
    this.running += 1;
    const reports = this.pending.take(key);
    try {
      await this.fold(key, reports, signal);
    } catch (error) {
      this.pending.restore(key, reports);
      this.hooks.failed?.(key, error);
      throw error;
    } finally {
      this.running -= 1;
      if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async fold(key: string, reports: readonly CallbackReport[], signal: AbortSignal): Promise<void> {
    const start = this.latest(key);
    const superseded = start.superseded;
    let task = start.task;
    for (let attempt = 0; ; attempt++) {
      if (task === undefined) {
        // Deleted: its reports have nowhere to go.
        this.forget(key);
        return;
      }
      const rv = task.metadata.resourceVersion;
      if (rv === undefined) throw new Error(`${key}: object has no resourceVersion`);
      superseded.add(rv);
      const now = this.now();
      const plan = planCallbackStatus(callbackView(task, { defaultAppid: this.opts.defaultAppid }), reports, {
        now,
        refreshMs: this.opts.refreshMs,
        staleMs: this.opts.staleMs,
      });
      if (plan.recheckAt !== undefined) this.queue.addAfter(key, plan.recheckAt.getTime() - now.getTime());
      if (plan.patch === undefined) {
        this.hooks.skipped?.(key);
        this.queue.forget(key);
        return;
      }
      try {
        const updated = await this.opts.store.patchStatus(key, rv, plan.patch, signal);
        if (superseded.size <= MAX_SUPERSEDED) this.written.set(key, { object: updated, supersedes: superseded });
        else this.written.delete(key);
        this.hooks.wrote?.(key);
        this.queue.forget(key);
        this.logger.debug(
          { task: key, destinations: plan.patch.destinations?.map((d) => `${d.url} ${d.state}`), conditions: plan.patch.conditions !== undefined },
          'wrote push status from callbacks',
        );
        if (plan.terminatedWhileRunning) this.opts.onTerminated?.(key);
        return;
      } catch (error) {
        const status = httpStatusOf(error);
        if (status === 404) {
          this.forget(key);
          return;
        }
        if (status !== 409) throw error;
        this.hooks.conflict?.(key);
        if (attempt >= this.maxConflictRetries) throw error;
        this.logger.debug({ task: key, attempt: attempt + 1 }, 'status changed meanwhile; re-reading before writing callbacks');
        // The versions seen so far stay in `superseded`: all are older than what this write makes.
        task = await this.opts.store.get(key, signal);
      }
    }
  }
}
