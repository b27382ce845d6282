import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue, type WorkHandler } from './work-queue.js';
import { until } from '../../test/support/eventually.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `predicate` holds (real timers), failing after `timeoutMs`. */

describe('WorkQueue', () => {
  let queue: WorkQueue | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await queue?.shutdown({ deadlineMs: 100 });
    queue = undefined;
  });

  it('merges duplicate adds of a key that is still queued', async () => {
    queue = new WorkQueue();
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(queue.len()).toBe(2);
    const seen: string[] = [];
    void queue.run((key) => Promise.resolve(void seen.push(key)), { concurrency: 1 });
    await until(() => seen.length === 2, 'the queue', 2_000);
    await tick(10);
    expect(seen).toEqual(['a', 'b']);
  });

  it('never runs one key twice at once and re-runs it once if it was added while running', async () => {
    queue = new WorkQueue();
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const handler: WorkHandler = async () => {
      runs += 1;
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      if (runs === 1) await gate.promise;
      running -= 1;
    };
    void queue.run(handler, { concurrency: 4 });
    queue.add('a');
    await until(() => runs === 1, 'the queue', 2_000);
    // Three events while the first run is in progress: merged into one more run, not started yet.
    queue.add('a');
    queue.add('a');
    queue.add('a');
    await tick(10);
    expect(runs).toBe(1);
    expect(queue.len()).toBe(0);
    gate.resolve();
    await until(() => runs === 2, 'the queue', 2_000);
    await tick(10);
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('bounds concurrency across keys and processes every key', async () => {
    queue = new WorkQueue();
    let running = 0;
    let maxRunning = 0;
    const done = new Set<string>();
    void queue.run(
      async (key) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await tick(15);
        running -= 1;
        done.add(key);
      },
      { concurrency: 3 },
    );
    for (let i = 0; i < 10; i++) queue.add(`k${i}`);
    await until(() => done.size === 10, 'the queue', 2_000);
    expect(maxRunning).toBe(3);
  });

  it('grows the retry delay exponentially up to the cap, and forget() starts over', () => {
    vi.useFakeTimers();
    const delays: number[] = [];
    queue = new WorkQueue({
      baseDelayMs: 1_000,
      maxDelayMs: 10_000,
      jitter: 0,
      hooks: { retried: (_key, delayMs) => delays.push(delayMs) },
    });
    for (let i = 0; i < 6; i++) queue.addRateLimited('a');
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    expect(queue.numRequeues('a')).toBe(6);
    queue.forget('a');
    expect(queue.numRequeues('a')).toBe(0);
    queue.addRateLimited('a');
    expect(delays.at(-1)).toBe(1_000);
  });

  it('shortens retry delays by at most the jitter fraction', () => {
    const delays: number[] = [];
    queue = new WorkQueue({
      baseDelayMs: 1_000,
      jitter: 0.1,
      random: () => 0.999,
      hooks: { retried: (_key, delayMs) => delays.push(delayMs) },
    });
    queue.addRateLimited('a');
    expect(delays[0]).toBeGreaterThanOrEqual(900);
    expect(delays[0]).toBeLessThan(1_000);
  });

  it('makes a rate-limited key ready only after its delay', () => {
    vi.useFakeTimers();
    queue = new WorkQueue({ baseDelayMs: 1_000, jitter: 0 });
    queue.addRateLimited('a');
    expect(queue.len()).toBe(0);
    vi.advanceTimersByTime(999);
    expect(queue.len()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(queue.len()).toBe(1);
  });

  it.each([
    { reason: 'a later addAfter does not postpone an earlier one', first: 1_000, second: 5_000, readyAt: 1_000 },
    { reason: 'an earlier addAfter replaces a later one', first: 5_000, second: 1_000, readyAt: 1_000 },
  ])('addAfter: $reason', ({ first, second, readyAt }) => {
    vi.useFakeTimers();
    queue = new WorkQueue();
    queue.addAfter('a', first);
    queue.addAfter('a', second);
    vi.advanceTimersByTime(readyAt - 1);
    expect(queue.len()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(queue.len()).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(queue.len()).toBe(1);
  });

  it('retries a key whose handler rejects, with backoff', async () => {
    let runs = 0;
    const errors: unknown[] = [];
    queue = new WorkQueue({
      baseDelayMs: 20,
      jitter: 0,
      hooks: { finished: (_key, _ms, error) => errors.push(error) },
    });
    const failing = queue;
    void failing.run(
      () => {
        runs += 1;
        return runs === 1 ? Promise.reject(new Error('boom')) : Promise.resolve();
      },
      { concurrency: 1 },
    );
    failing.add('a');
    await until(() => runs === 2, 'the queue', 2_000);
    expect(failing.numRequeues('a')).toBe(1);
    expect(errors[0]).toBeInstanceOf(Error);
    expect(errors[1]).toBeUndefined();
  });

  it('reports the wait between add and start, and the depth', async () => {
    const waits: number[] = [];
    const depths: number[] = [];
    let now = 1_000;
    queue = new WorkQueue({
      now: () => now,
      hooks: { started: (_key, waitMs) => waits.push(waitMs), depth: (d) => depths.push(d) },
    });
    queue.add('a');
    queue.add('b');
    now = 1_250;
    const seen: string[] = [];
    void queue.run((key) => Promise.resolve(void seen.push(key)), { concurrency: 1 });
    await until(() => seen.length === 2, 'the queue', 2_000);
    expect(waits).toEqual([250, 250]);
    expect(depths.slice(0, 2)).toEqual([1, 2]);
    expect(depths.at(-1)).toBe(0);
  });

  it('reports adds, delays and depth where client-go counts them: a key added while it runs is an add and waits in the depth', async () => {
    const events: string[] = [];
    const gate = deferred();
    let runs = 0;
    queue = new WorkQueue({
      hooks: {
        added: (key) => events.push(`added ${key}`),
        delayed: (key, ms) => events.push(`delayed ${key} ${ms}`),
        depth: (d) => events.push(`depth ${d}`),
      },
    });
    void queue.run(async () => {
      runs += 1;
      if (runs === 1) await gate.promise;
    }, { concurrency: 1 });
    queue.add('a');
    await until(() => runs === 1, 'the queue', 2_000);
    queue.add('a'); // while running: dirty again, an add, waiting in the depth
    queue.add('a'); // merged
    queue.addAfter('b', 0); // a retry to client-go, even without delay
    gate.resolve();
    await until(() => runs === 3, 'the queue', 2_000);
    expect(events).toEqual(['added a', 'depth 1', 'depth 0', 'added a', 'depth 1', 'delayed b 0', 'added b', 'depth 2', 'depth 1', 'depth 0']);
  });

  it('shutdown waits for in-flight handlers, drops queued keys and ignores later adds', async () => {
    queue = new WorkQueue();
    const seen: string[] = [];
    const aborted: boolean[] = [];
    const gate = deferred();
    const ran = queue.run(
      async (key, signal) => {
        seen.push(key);
        await gate.promise;
        aborted.push(signal.aborted);
      },
      { concurrency: 1 },
    );
    queue.add('a');
    queue.add('b');
    await until(() => seen.length === 1, 'the queue', 2_000);
    let shutDown = false;
    const stopping = queue.shutdown({ deadlineMs: 5_000 }).then(() => (shutDown = true));
    queue.add('c');
    await tick(20);
    expect(shutDown).toBe(false);
    gate.resolve();
    await stopping;
    await ran;
    expect(seen).toEqual(['a']);
    expect(aborted).toEqual([false]);
    expect(queue.len()).toBe(0);
  });

  it('shutdown aborts the signal of handlers still running at the deadline and waits for them', async () => {
    queue = new WorkQueue();
    let started = false;
    let finished = false;
    const ran = queue.run(
      async (_key, signal) => {
        started = true;
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        finished = true;
      },
      { concurrency: 1 },
    );
    queue.add('a');
    await until(() => started, 'the queue', 2_000);
    const before = Date.now();
    await queue.shutdown({ deadlineMs: 30 });
    expect(Date.now() - before).toBeGreaterThanOrEqual(25);
    expect(finished).toBe(true);
    await ran;
  });

  it('rejects a second run() and a non-positive concurrency', async () => {
    queue = new WorkQueue();
    await expect(queue.run(async () => {}, { concurrency: 0 })).rejects.toThrow(/concurrency/);
    void queue.run(async () => {}, { concurrency: 1 });
    await expect(queue.run(async () => {}, { concurrency: 1 })).rejects.toThrow(/already running/);
  });
});
