// How the reconcile workers end: a stop (shutdown) lets the reconcile in flight finish, a lost
// leadership aborts it at once, and a stop before the caches synced returns instead of waiting
// for a sync that will not come.
import { describe, expect, it } from 'vitest';
import type { TaskCaches } from './caches.js';
import { TaskController } from './controller.js';
import type { ReconcileResult } from './reconciler.js';
import { silent } from './testing/fake-tasks.test-support.js';

/** Caches that sync when `synced` resolves (never, by default). */
function caches(synced: Promise<void> = new Promise<void>(() => undefined)): TaskCaches {
  const fake = {
    tasks: { on: () => undefined },
    onCredentialsChange: () => undefined,
    onSecretWatchRestart: () => undefined,
    waitForSync: (signal: AbortSignal) =>
      Promise.race([synced, new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }))]),
  };
  return fake as unknown as TaskCaches;
}

/** A reconcile that starts, then waits for `release` (or its signal); reports how it ended. */
function gatedReconcile(): { reconcile: (ns: string, name: string, signal: AbortSignal) => Promise<ReconcileResult>; started: Promise<void>; release: () => void; ended: Promise<string> } {
  let release: () => void = () => undefined;
  let markStarted: () => void = () => undefined;
  let end: (how: string) => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const ended = new Promise<string>((resolve) => (end = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  const reconcile = async (_ns: string, _name: string, signal: AbortSignal): Promise<ReconcileResult> => {
    markStarted();
    const aborted = new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve('aborted'), { once: true }));
    end(await Promise.race([gate.then(() => 'finished'), aborted]));
    return {};
  };
  return { reconcile, started, release, ended };
}

function controller(c: TaskCaches, reconcile: (ns: string, name: string, signal: AbortSignal) => Promise<ReconcileResult>): TaskController {
  return new TaskController({ caches: c, reconcile, isOwnVersion: () => false, secretUsers: () => [], logger: silent, maxConcurrentReconciles: 2 });
}

describe('TaskController workers', () => {
  it('stop() lets the reconcile in flight finish', async () => {
    const r = gatedReconcile();
    const tc = controller(caches(Promise.resolve()), r.reconcile);
    const running = tc.runWorkers(new AbortController().signal);
    tc.queue.add('ns/a');
    await r.started;
    const stopped = tc.stop(10_000);
    r.release();
    expect(await r.ended).toBe('finished');
    await stopped;
    await running;
  });

  it('a lost leadership aborts the reconcile in flight at once', async () => {
    const r = gatedReconcile();
    const tc = controller(caches(Promise.resolve()), r.reconcile);
    const leading = new AbortController();
    const running = tc.runWorkers(leading.signal);
    tc.queue.add('ns/a');
    await r.started;
    leading.abort();
    expect(await r.ended).toBe('aborted');
    await running;
  });

  it('stop() before the caches synced ends the workers without an error', async () => {
    const tc = controller(caches(), () => Promise.resolve({}));
    const running = tc.runWorkers(new AbortController().signal);
    await tc.stop(1_000);
    await expect(running).resolves.toBeUndefined();
  });
});
