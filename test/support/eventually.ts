// The one way tests wait for something to become true: poll a probe until it answers, with a
// deadline that names what was awaited (and the probe's last error) when it passes. Prefer waiting
// on an event the code under test exposes; poll only what has no event (API objects, HTTP).

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

function options(o: WaitOptions | number | undefined): Required<WaitOptions> {
  const given = typeof o === 'number' ? { timeoutMs: o } : (o ?? {});
  return { timeoutMs: given.timeoutMs ?? 20_000, intervalMs: given.intervalMs ?? 25 };
}

/** Resolves with the probe's first defined answer; a probe that throws is tried again. */
export async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, opts?: WaitOptions | number): Promise<T> {
  const { timeoutMs, intervalMs } = options(opts);
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, lastError === undefined ? undefined : { cause: lastError });
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves (with the milliseconds it took) once `predicate` holds. */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, opts?: WaitOptions | number): Promise<number> {
  const started = Date.now();
  await eventually(what, async () => ((await predicate()) ? true : undefined), opts);
  return Date.now() - started;
}
