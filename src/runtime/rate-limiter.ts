// Per-key token buckets: the operator limits its request rate toward the vendor per appid
// (default 10 req/s), so one busy application cannot starve the others or trip the vendor's
// own limits.
//
// Waiters reserve tokens in arrival order (the bucket may go negative, like golang.org/x/time/rate
// reservations), so every waiter knows its start time on arrival and nobody is overtaken.

export interface KeyedRateLimiterOptions {
  /** Tokens added per second. */
  readonly qps: number;
  /** Bucket size: requests allowed at once after a quiet period. Defaults to max(1, ceil(qps)). */
  readonly burst?: number;
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date. */
  updatedAt: number;
  /** Reservations whose wait has not ended yet. */
  pending: number;
}

export class KeyedRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly qps: number;
  private readonly burst: number;
  private readonly now: () => number;
  private lastSweep: number;

  constructor(opts: KeyedRateLimiterOptions) {
    if (!(opts.qps > 0) || !Number.isFinite(opts.qps)) {
      throw new Error(`KeyedRateLimiter: qps must be a positive number, got ${opts.qps}`);
    }
    const burst = opts.burst ?? Math.max(1, Math.ceil(opts.qps));
    if (!Number.isInteger(burst) || burst < 1) {
      throw new Error(`KeyedRateLimiter: burst must be a positive integer, got ${burst}`);
    }
    this.qps = opts.qps;
    this.burst = burst;
    this.now = opts.now ?? Date.now;
    this.lastSweep = this.now();
  }

  /**
   * Resolves when a token for `key` is available (at once if the bucket has one). Rejects with
   * the signal's reason if `signal` aborts first; the reserved token is then given back.
   */
  acquire(key: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    const now = this.now();
    this.sweep(now);
    const bucket = this.refill(key, now);
    bucket.tokens -= 1;
    if (bucket.tokens >= 0) return Promise.resolve();
    const waitMs = (-bucket.tokens / this.qps) * 1_000;
    bucket.pending += 1;
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        bucket.pending -= 1;
        // Give the token back: later waiters keep their (now slightly pessimistic) start times.
        bucket.tokens = Math.min(this.burst, bucket.tokens + 1);
        reject(abortReason(signal));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        bucket.pending -= 1;
        resolve();
      }, Math.ceil(waitMs));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Keys with a bucket in memory (for tests and debugging). */
  size(): number {
    return this.buckets.size;
  }

  private refill(key: string, now: number): Bucket {
    const existing = this.buckets.get(key);
    if (existing === undefined) {
      const bucket: Bucket = { tokens: this.burst, updatedAt: now, pending: 0 };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsedMs = Math.max(0, now - existing.updatedAt);
    existing.tokens = Math.min(this.burst, existing.tokens + (elapsedMs / 1_000) * this.qps);
    existing.updatedAt = now;
    return existing;
  }

  /**
   * Drops buckets that would be full by now and have nobody waiting: a fresh bucket behaves
   * exactly the same, so forgetting them loses nothing. Runs at most once per refill period.
   */
  private sweep(now: number): void {
    const fullAfterMs = (this.burst / this.qps) * 1_000;
    if (now - this.lastSweep < fullAfterMs) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.pending > 0) continue;
      const tokens = bucket.tokens + ((now - bucket.updatedAt) / 1_000) * this.qps;
      if (tokens >= this.burst) this.buckets.delete(key);
    }
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  // AbortSignal.abort() and controller.abort() without an argument give an AbortError already.
  return reason instanceof Error
    ? reason
    : new DOMException(typeof reason === 'string' ? reason : 'The operation was aborted', 'AbortError');
}
