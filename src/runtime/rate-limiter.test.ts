import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyedRateLimiter } from './rate-limiter.js';

/** Starts acquisitions and records when (fake time) each one resolved. */
function track(limiter: KeyedRateLimiter, key: string, count: number, signal?: AbortSignal) {
  const start = Date.now();
  const resolvedAt: number[] = [];
  const order: number[] = [];
  const all = Array.from({ length: count }, (_, i) =>
    limiter.acquire(key, signal).then(() => {
      resolvedAt[i] = Date.now() - start;
      order.push(i);
    }),
  );
  return { resolvedAt, order, all };
}

describe('KeyedRateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets a burst through at once, then one request per 1/qps, in arrival order', async () => {
    const limiter = new KeyedRateLimiter({ qps: 10, burst: 3 });
    const { resolvedAt, order, all } = track(limiter, 'app', 6);
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(all);
    expect(resolvedAt).toEqual([0, 0, 0, 100, 200, 300]);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('refills while idle, but never beyond the burst', async () => {
    const limiter = new KeyedRateLimiter({ qps: 10, burst: 2 });
    await limiter.acquire('app');
    await limiter.acquire('app');
    await vi.advanceTimersByTimeAsync(10_000);
    const { resolvedAt, all } = track(limiter, 'app', 3);
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(all);
    expect(resolvedAt).toEqual([0, 0, 100]);
  });

  it('keeps keys independent: an exhausted key does not slow down another', async () => {
    const limiter = new KeyedRateLimiter({ qps: 1, burst: 1 });
    await limiter.acquire('busy');
    const slow = track(limiter, 'busy', 1);
    const other = track(limiter, 'quiet', 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(other.resolvedAt).toEqual([0]);
    expect(slow.resolvedAt).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(slow.resolvedAt).toEqual([1_000]);
  });

  it('rejects a waiter whose signal aborts and gives its token back', async () => {
    const limiter = new KeyedRateLimiter({ qps: 10, burst: 1 });
    await limiter.acquire('app');
    const controller = new AbortController();
    const waiting = limiter.acquire('app', controller.signal);
    controller.abort(new Error('reconcile cancelled'));
    await expect(waiting).rejects.toThrow('reconcile cancelled');
    // Without the refund the next caller would wait 200 ms (behind the abandoned reservation).
    const next = track(limiter, 'app', 1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(next.resolvedAt).toEqual([100]);
  });

  it('rejects at once, without taking a token, when the signal is already aborted', async () => {
    const limiter = new KeyedRateLimiter({ qps: 10, burst: 1 });
    await expect(limiter.acquire('app', AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    const next = track(limiter, 'app', 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(next.resolvedAt).toEqual([0]);
  });

  it('forgets buckets that have refilled and have no waiters', async () => {
    const limiter = new KeyedRateLimiter({ qps: 10, burst: 1 });
    for (let i = 0; i < 50; i++) await limiter.acquire(`app-${i}`);
    expect(limiter.size()).toBe(50);
    await vi.advanceTimersByTimeAsync(200);
    await limiter.acquire('fresh');
    expect(limiter.size()).toBe(1);
  });

  it('keeps a bucket that still has waiters when sweeping', async () => {
    const limiter = new KeyedRateLimiter({ qps: 1, burst: 1 });
    await limiter.acquire('app');
    const waiter = track(limiter, 'app', 1);
    await vi.advanceTimersByTimeAsync(999);
    await limiter.acquire('other');
    expect(limiter.size()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(waiter.resolvedAt).toEqual([1_000]);
  });

  it.each([
    { reason: 'zero qps would never refill', opts: { qps: 0 } },
    { reason: 'negative qps', opts: { qps: -1 } },
    { reason: 'infinite qps', opts: { qps: Number.POSITIVE_INFINITY } },
    { reason: 'a burst below one admits nothing', opts: { qps: 10, burst: 0 } },
    { reason: 'a fractional burst', opts: { qps: 10, burst: 1.5 } },
  ])('rejects invalid options: $reason', ({ opts }) => {
    expect(() => new KeyedRateLimiter(opts)).toThrow();
  });

  it('defaults the burst to the rate rounded up', async () => {
    const limiter = new KeyedRateLimiter({ qps: 2.5 });
    const { resolvedAt, all } = track(limiter, 'app', 4);
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(all);
    expect(resolvedAt).toEqual([0, 0, 0, 400]);
  });
});
