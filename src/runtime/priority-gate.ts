// Writes that act come before writes that report. The API server takes only so many writes a
// second; when the operator has more work queued than workers (a cold start with a fleet, a mass
// apply), every Event and every push-status report written meanwhile is a write the reconciles
// wait behind. Reporting writers ask this gate first: while the actors are backlogged they wait,
// for at most `maxWaitMs` after what they report happened, so a report is late but never lost or
// starved. The API server's own Priority and Fairness cannot make this distinction: it classifies
// by user, and both kinds of write come from the same ServiceAccount.

export interface PriorityGateOptions {
  /** Whether higher-priority work is waiting for a worker (e.g. a work queue with ready keys). */
  readonly busy: () => boolean;
  /** The longest a reporting write waits after what it reports happened. */
  readonly maxWaitMs: number;
  /** How often a parked writer's `busy()` is looked at again; defaults to 100 ms. */
  readonly pollMs?: number;
  readonly now?: () => number;
}

interface Parked {
  readonly deadline: number;
  readonly resolve: () => void;
}

export class PriorityGate {
  private readonly parked = new Set<Parked>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly pollMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: PriorityGateOptions) {
    this.pollMs = opts.pollMs ?? 100;
    this.now = opts.now ?? Date.now;
  }

  /** A gate that never holds anything back (no higher-priority work in this process). */
  static readonly open = new PriorityGate({ busy: () => false, maxWaitMs: 0 });

  /** Whether a write about something that happened at `since` (ms) may go now. */
  isOpen(since: number): boolean {
    return this.closed || this.now() - since >= this.opts.maxWaitMs || !this.opts.busy();
  }

  /** Resolves once a write about `since` may go: the backlog is gone, or it has waited long enough. */
  whenOpen(since: number): Promise<void> {
    if (this.isOpen(since)) return Promise.resolve();
    return new Promise((resolve) => {
      this.parked.add({ deadline: since + this.opts.maxWaitMs, resolve });
      if (this.timer === undefined) {
        this.timer = setInterval(() => this.poll(), this.pollMs);
        // Owners release() on shutdown; a parked report alone never keeps the process alive.
        this.timer.unref();
      }
    });
  }

  /** From now on nothing waits, and what waits goes (shutdown: written now or never). */
  close(): void {
    this.closed = true;
    for (const p of this.parked) p.resolve();
    this.parked.clear();
    this.stopTimer();
  }

  private poll(): void {
    const clear = !this.opts.busy();
    const now = this.now();
    for (const p of this.parked) {
      if (clear || now >= p.deadline) {
        this.parked.delete(p);
        p.resolve();
      }
    }
    if (this.parked.size === 0) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
