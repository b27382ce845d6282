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
// Priority: a report that only says how a push is doing gives way to the reconciles while they are
// backlogged (PriorityGate), for at most the gate's limit after it arrived; a 3003, which someone
// waits on (recordDurably) and which drives a restart, never waits.
//
// Concurrency: two replicas (and the reconciler) write the same status. Every patch carries the
// resourceVersion it was computed from; a 409 means someone else wrote first, so the object is
// read again (GET, not the cache, which may lag) and the reports folded anew, a bounded number
// of times before the run fails and the queue retries it with backoff.
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { CallbackReport } from './fold.js';
import type { EventSink } from '../controller/events.js';
import { streamingTransition, DEFAULT_PUSH_FAILING_AFTER_MS, DEFAULT_PUSH_FAILING_AFTER_RESTARTS } from '../controller/status-derive.js';
import type { Logger } from '../observability/logger.js';
import { StatusWriter, type StatusTarget } from '../runtime/status-writer.js';
import { PriorityGate } from '../runtime/priority-gate.js';
import { WorkQueue, type WorkQueueOptions } from '../runtime/work-queue.js';
import { PendingReports, type RecordOutcome } from './pending-reports.js';
import { planCallbackStatus } from './status-plan.js';
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
  /** Where status is read and patched (the API server; a fake in tests). */
  readonly store: StatusTarget<UnvalidatedRtmpPushTask>;
  readonly logger: Logger;
  /** --status-refresh-interval: an unchanged state rewrites lastCallbackTime at most this often. */
  readonly refreshMs: number;
  /** --callback-stale-after: silence longer than this turns Streaming Unknown. */
  readonly staleMs: number;
  /** --default-appid, for specs without appid. */
  readonly defaultAppid?: string | undefined;
  /** --taskid-prefix, for derived taskids. */
  readonly taskidPrefix?: string | undefined;
  /**
   * Called after a write recorded a 3003 (terminated) for an address of a task that should be
   * running. Restarting is the leader's reconciler's decision: wire this to its queue.
   */
  readonly onTerminated?: (key: string) => void;
  /** Streaming transitions become Events. */
  readonly events?: EventSink;
  readonly hooks?: StatusWriteHooks;
  /** Tasks written at the same time; defaults to 4. */
  readonly concurrency?: number;
  /** 409 retries within one run; defaults to 5. */
  readonly maxConflictRetries?: number;
  readonly now?: () => Date;
  /** Passed to the work queue (retry backoff of failed runs). */
  readonly queue?: Pick<WorkQueueOptions, 'baseDelayMs' | 'maxDelayMs' | 'jitter' | 'random' | 'hooks'>;
  /** What report writes give way to; by default nothing. */
  readonly gate?: PriorityGate;
}

export class CallbackWriter {
  private readonly pending = new PendingReports();
  private readonly queue: WorkQueue;
  private readonly status: StatusWriter<UnvalidatedRtmpPushTask>;
  private readonly logger: Logger;
  private readonly hooks: StatusWriteHooks;
  private readonly now: () => Date;
  /** Callers waiting until the reports they handed in are written (3003s: see recordDurably). */
  private durableWaiters = new Map<string, Array<{ resolve: () => void; reject: (e: unknown) => void }>>();
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly gate: PriorityGate;
  /** Task key → when its oldest unwritten report arrived (ms): how long the gate may hold it. */
  private readonly waitingSince = new Map<string, number>();
  /** Keys held at the gate; each is queued again once it opens. */
  private readonly held = new Set<string>();
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: CallbackWriterOptions) {
    this.logger = opts.logger;
    this.hooks = opts.hooks ?? {};
    this.now = opts.now ?? (() => new Date());
    this.status = new StatusWriter(opts.store, { maxConflictRetries: opts.maxConflictRetries ?? 5, hooks: this.hooks });
    this.queue = new WorkQueue({ ...opts.queue, logger: opts.logger });
    this.gate = opts.gate ?? PriorityGate.open;
  }

  /**
   * Records a report and resolves once it is durably in the task's status (or known to change
   * nothing); rejects when writing failed. The vendor sends a 3003 once: it is acknowledged only
   * after this, so a lost write makes the vendor retry instead of losing the termination.
   */
  recordDurably(key: string, report: CallbackReport): Promise<RecordOutcome> {
    const outcome = this.record(key, report);
    if (outcome === 'stale') return Promise.resolve(outcome);
    return new Promise((resolve, reject) => {
      const list = this.durableWaiters.get(key) ?? [];
      list.push({ resolve: () => resolve(outcome), reject });
      this.durableWaiters.set(key, list);
    });
  }

  private settleWaiters(key: string, error?: unknown): void {
    const list = this.durableWaiters.get(key);
    if (list === undefined) return;
    this.durableWaiters.delete(key);
    for (const w of list) {
      if (error === undefined) w.resolve();
      else w.reject(error);
    }
  }

  /**
   * Records a report for a task and queues the task. Synchronous and memory-only, so the HTTP
   * reply never waits on Kubernetes. 'stale' when this replica already had a report at least as
   * new for the address (dropped).
   */
  record(key: string, report: CallbackReport): RecordOutcome {
    const outcome = this.pending.record(key, report);
    if (outcome === 'recorded') {
      if (!this.waitingSince.has(key)) this.waitingSince.set(key, this.now().getTime());
      this.queue.add(key);
    }
    return outcome;
  }

  /** Forgets a deleted task (call from the informer's delete event). */
  forget(key: string): void {
    this.pending.forget(key);
    this.waitingSince.delete(key);
    this.status.own.forget(key);
    this.settleWaiters(key);
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

  private async process(key: string, signal: AbortSignal): Promise<void> {
    if (this.holdBack(key)) return;
    this.running += 1;
    const since = this.waitingSince.get(key);
    this.waitingSince.delete(key);
    const reports = this.pending.take(key);
    const waiting = this.durableWaiters.get(key);
    this.durableWaiters.delete(key);
    try {
      await this.fold(key, reports, signal);
      for (const w of waiting ?? []) w.resolve();
    } catch (error) {
      this.pending.restore(key, reports);
      // Still as old as they were: a retry does not start their wait at the gate anew.
      const newer = this.waitingSince.get(key);
      if (since !== undefined) this.waitingSince.set(key, newer === undefined ? since : Math.min(since, newer));
      for (const w of waiting ?? []) w.reject(error);
      this.hooks.failed?.(key, error);
      throw error;
    } finally {
      this.running -= 1;
      if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** Whether the key's reports wait at the gate (then it is queued again when the gate opens). */
  private holdBack(key: string): boolean {
    const since = this.waitingSince.get(key);
    if (since === undefined || this.durableWaiters.has(key) || this.gate.isOpen(since)) return false;
    if (!this.held.has(key)) {
      this.held.add(key);
      void this.gate.whenOpen(since).then(() => {
        this.held.delete(key);
        this.queue.add(key);
      });
    }
    return true;
  }

  private async fold(key: string, reports: readonly CallbackReport[], signal: AbortSignal): Promise<void> {
    // The freshest copy we know: the cache, unless it has not yet seen our own last write.
    const task = this.status.own.latest(key, this.opts.getTask(key));
    if (task === undefined) {
      // Deleted: its reports have nowhere to go.
      this.forget(key);
      return;
    }
    let terminated = false;
    let shouldRun = true;
    let before: unknown;
    const now = this.now();
    const after = await this.status.write(
      key,
      task,
      (current) => {
        const plan = planCallbackStatus(callbackView(current, { defaultAppid: this.opts.defaultAppid, taskidPrefix: this.opts.taskidPrefix }), reports, {
          now,
          refreshMs: this.opts.refreshMs,
          staleMs: this.opts.staleMs,
          pushFailingAfterMs: DEFAULT_PUSH_FAILING_AFTER_MS,
          pushFailingAfterRestarts: DEFAULT_PUSH_FAILING_AFTER_RESTARTS,
        });
        if (plan.recheckAt !== undefined) this.queue.addAfter(key, plan.recheckAt.getTime() - now.getTime());
        terminated = plan.terminatedWhileRunning;
        shouldRun = plan.shouldRun;
        before = current.status;
        return plan.patch === undefined ? undefined : { ...(current.status as Record<string, unknown> | undefined), ...plan.patch };
      },
      signal,
    );
    this.queue.forget(key);
    if (after === undefined) {
      this.forget(key);
      return;
    }
    if (after === task || after.metadata.resourceVersion === task.metadata.resourceVersion) return;
    this.logger.debug({ task: key }, 'wrote push status from callbacks');
    const transition = streamingTransition(conditionsOf(before), conditionsOf(after.status));
    // A push that is being stopped (suspend, deletion) reports its end: no problem to warn about.
    if (transition !== undefined && (shouldRun || transition.type === 'Normal')) this.opts.events?.record(after, transition.type, transition.reason, transition.message);
    if (terminated) this.opts.onTerminated?.(key);
  }
}

function conditionsOf(status: unknown): Array<{ type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string; lastTransitionTime: string }> | undefined {
  const list = (status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(list) ? (list as Array<{ type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string; lastTransitionTime: string }>) : undefined;
}
