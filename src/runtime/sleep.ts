// A timer that an AbortSignal can cut short. It resolves either way (with what happened) so loops
// can check their own stop flag instead of catching AbortError at every wait.

export type SleepOutcome = 'elapsed' | 'aborted';

export function sleep(ms: number, signal?: AbortSignal): Promise<SleepOutcome> {
  if (signal?.aborted === true) return Promise.resolve('aborted');
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve('aborted');
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve('elapsed');
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A signal that aborts after `ms` or when `parent` aborts, whichever comes first. Unlike
 * AbortSignal.timeout it uses an ordinary timer (fake timers in tests see it) and can be
 * disposed so that no timer outlives the operation.
 */
export function deadlineSignal(ms: number, parent?: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onParentAbort = (): void => controller.abort(parent?.reason);
  if (parent?.aborted === true) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException(`deadline of ${ms} ms exceeded`, 'TimeoutError')),
    Math.max(0, ms),
  );
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
