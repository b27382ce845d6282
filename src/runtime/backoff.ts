// Exponential backoff with jitter, shared by the work queue (per-key retry delays) and the
// informer (watch reconnects). Jitter only ever shortens a delay, so `maxMs` stays a hard cap
// and callers that retry in lockstep (many keys failing at once) still spread out.

export interface BackoffOptions {
  /** Delay of the first retry. */
  readonly baseMs: number;
  /** Upper bound of any delay. */
  readonly maxMs: number;
  /** Growth per attempt; defaults to 2. */
  readonly factor?: number;
  /** Fraction in [0, 1] by which a delay may be shortened at random; defaults to 0.2. */
  readonly jitter?: number;
  /** Source of randomness in [0, 1); tests pin it. */
  readonly random?: () => number;
}

/** The delay before retry number `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const factor = opts.factor ?? 2;
  const jitter = Math.min(Math.max(opts.jitter ?? 0.2, 0), 1);
  const random = opts.random ?? Math.random;
  // Cap the exponent: factor ** 1100 is Infinity, and min(Infinity, max) is fine, but NaN from
  // 0 * Infinity (baseMs 0) is not.
  const raw = opts.baseMs * factor ** Math.min(Math.max(attempt, 0), 64);
  const capped = Math.min(Number.isFinite(raw) ? raw : opts.maxMs, opts.maxMs);
  return Math.max(0, Math.round(capped * (1 - jitter * random())));
}

/** A stateful counter over backoffDelay: next() grows, reset() starts over. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly opts: BackoffOptions) {}

  next(): number {
    const delay = backoffDelay(this.attempt, this.opts);
    this.attempt += 1;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
