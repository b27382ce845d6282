import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay } from './backoff.js';
import { deadlineSignal, sleep } from './sleep.js';

describe('sleep', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('elapses, or ends early with "aborted" when the signal aborts', async () => {
    const elapsed = sleep(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(elapsed).resolves.toBe('elapsed');

    const controller = new AbortController();
    const aborted = sleep(1_000, controller.signal);
    controller.abort();
    await expect(aborted).resolves.toBe('aborted');
    await expect(sleep(1_000, AbortSignal.abort())).resolves.toBe('aborted');
  });
});

describe('deadlineSignal', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('aborts with a TimeoutError after the deadline', () => {
    const { signal } = deadlineSignal(500);
    vi.advanceTimersByTime(499);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('TimeoutError');
  });

  it('follows its parent, also one that is already aborted', () => {
    const parent = new AbortController();
    const { signal } = deadlineSignal(10_000, parent.signal);
    parent.abort(new Error('stopping'));
    expect(signal.reason).toEqual(new Error('stopping'));
    expect(deadlineSignal(10_000, AbortSignal.abort()).signal.aborted).toBe(true);
  });

  it('dispose() cancels the timer', () => {
    const { signal, dispose } = deadlineSignal(500);
    dispose();
    vi.advanceTimersByTime(1_000);
    expect(signal.aborted).toBe(false);
  });
});

describe('backoffDelay', () => {
  it.each([
    { reason: 'first retry is the base', attempt: 0, random: 0, expected: 100 },
    { reason: 'doubles per attempt', attempt: 3, random: 0, expected: 800 },
    { reason: 'capped at max', attempt: 10, random: 0, expected: 1_000 },
    { reason: 'huge attempts stay capped (no Infinity/NaN)', attempt: 5_000, random: 0, expected: 1_000 },
    { reason: 'jitter only shortens, by at most the fraction', attempt: 0, random: 0.999, expected: 50 },
  ])('$reason', ({ attempt, random, expected }) => {
    expect(backoffDelay(attempt, { baseMs: 100, maxMs: 1_000, jitter: 0.5, random: () => random })).toBe(expected);
  });
});
