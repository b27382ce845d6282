// The one way this operator writes an object's /status: a JSON merge patch computed from the
// version it was read at and guarded by that resourceVersion, skipped when it would change nothing.
//
// Several writers edit the same status (the reconciler, the callback writer on every replica), so
// a write computed from an old version must fail with 409 rather than erase what another wrote.
// On 409 the object is read again (from the API server: the cache may lag) and the caller's
// function computes the status anew from it, a bounded number of times. Every write is recorded
// in the writer's OwnWrites, which the caller uses to tell its own watch events apart and to
// avoid deciding on a cache that has not seen its last write yet.
import { httpStatusOf } from './kube-client.js';
import { mergePatch } from './merge-patch.js';
import { OwnWrites } from './own-writes.js';

export interface StatusObject {
  readonly metadata: { readonly resourceVersion?: string | undefined };
  readonly status?: unknown;
}

/** The two API calls a status write needs; `key` is `namespace/name`. */
export interface StatusTarget<T> {
  /** The current object from the API server (not a cache); undefined when it is gone. */
  get(key: string, signal: AbortSignal): Promise<T | undefined>;
  /** A merge patch of /status guarded by resourceVersion: 409 when the object moved on, 404 when gone. */
  patchStatus(key: string, resourceVersion: string, statusPatch: unknown, signal: AbortSignal): Promise<T>;
}

/** Observation points (metrics, tests); each must not throw. */
export interface StatusWriterHooks {
  readonly wrote?: (key: string) => void;
  readonly conflict?: (key: string) => void;
  readonly skipped?: (key: string) => void;
}

/** Thrown when the object kept changing under every attempt; retry later with backoff. */
export class StatusConflictError extends Error {
  override readonly name = 'StatusConflictError';
}

/**
 * Computes the whole new status from the object as read. Return undefined to write nothing
 * (nothing to say, or what was read no longer allows this write).
 */
export type ComputeStatus<T> = (current: T) => unknown;

export interface StatusWriterOptions {
  /** Re-reads after 409 within one write; defaults to 5. */
  readonly maxConflictRetries?: number;
  readonly hooks?: StatusWriterHooks;
}

export class StatusWriter<T extends StatusObject> {
  readonly own = new OwnWrites<T>();
  private readonly maxConflictRetries: number;
  private readonly hooks: StatusWriterHooks;

  constructor(
    private readonly target: StatusTarget<T>,
    opts: StatusWriterOptions = {},
  ) {
    this.maxConflictRetries = opts.maxConflictRetries ?? 5;
    this.hooks = opts.hooks ?? {};
  }

  /**
   * Writes the status `compute` derives from `start` (or from a fresh read after a conflict).
   * Returns the object after the write, the object as read when nothing needed writing, or
   * undefined when the object is gone.
   */
  async write(key: string, start: T, compute: ComputeStatus<T>, signal: AbortSignal): Promise<T | undefined> {
    let current: T | undefined = start;
    const read: Array<string | undefined> = [...this.own.replacedVersions(key)];
    for (let attempt = 0; current !== undefined; attempt++) {
      const rv = current.metadata.resourceVersion;
      if (rv === undefined) throw new Error(`${key}: object has no resourceVersion`);
      read.push(rv);
      const next = compute(current);
      const patch = next === undefined ? undefined : mergePatch(current.status ?? {}, next);
      if (patch === undefined) {
        this.hooks.skipped?.(key);
        return current;
      }
      try {
        const after = await this.target.patchStatus(key, rv, patch, signal);
        this.own.record(key, read, after);
        this.hooks.wrote?.(key);
        return after;
      } catch (err) {
        const code = httpStatusOf(err);
        if (code === 404) {
          this.own.forget(key);
          return undefined;
        }
        if (code !== 409) throw err;
        this.hooks.conflict?.(key);
        if (attempt >= this.maxConflictRetries) throw new StatusConflictError(`${key}: status kept changing while writing it`);
        current = await this.target.get(key, signal);
      }
    }
    this.own.forget(key);
    return undefined;
  }
}
