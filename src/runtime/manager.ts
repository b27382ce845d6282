// Runs the operator's components the way controller-runtime's manager does: each is a Runnable
// with start/stop; some run on every replica (caches, servers, the callback writer), some only
// while this replica leads (the reconcile workers). Stopping goes in reverse order of starting,
// within one deadline, so nothing a later component needs is gone before it stops.
import type { Logger } from '../observability/logger.js';

export interface Runnable {
  readonly name: string;
  /** Only while this replica holds the leader Lease. */
  readonly leaderOnly?: boolean;
  /**
   * Starts the component. For leader-only runnables `signal` aborts when leadership ends; the
   * returned promise may stay pending while the component runs (it is awaited when stopping).
   */
  start(signal: AbortSignal): Promise<void> | void;
  /** Stops within `deadlineMs`. */
  stop?(deadlineMs: number): Promise<void>;
}

export class Manager {
  private readonly runnables: Runnable[] = [];
  private readonly started: Array<{ runnable: Runnable; running: Promise<void> }> = [];

  constructor(private readonly logger: Logger) {}

  add(runnable: Runnable): this {
    this.runnables.push(runnable);
    return this;
  }

  /** Starts every runnable that does not need leadership, in order. */
  async start(signal: AbortSignal): Promise<void> {
    for (const r of this.runnables.filter((x) => x.leaderOnly !== true)) await this.startOne(r, signal);
  }

  /** Starts the leader-only runnables; `leading` aborts when leadership ends. */
  async startLeading(leading: AbortSignal): Promise<void> {
    for (const r of this.runnables.filter((x) => x.leaderOnly === true)) await this.startOne(r, leading);
  }

  /** Stops everything started, last started first, within one deadline. */
  async stop(deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (const { runnable, running } of this.started.splice(0).reverse()) {
      const left = Math.max(0, deadline - Date.now());
      try {
        await runnable.stop?.(left);
        await running;
      } catch (err) {
        this.logger.error({ err, component: runnable.name }, 'component stopped with an error');
      }
    }
  }

  private async startOne(r: Runnable, signal: AbortSignal): Promise<void> {
    const result = r.start(signal);
    // A runnable that returns a long-running promise is awaited only when stopping; one that
    // fails at once fails the start.
    const running = Promise.resolve(result).catch((err: unknown) => {
      this.logger.error({ err, component: r.name }, 'component failed');
    });
    this.started.push({ runnable: r, running });
    if (r.leaderOnly !== true) await Promise.race([running, Promise.resolve()]);
  }
}
