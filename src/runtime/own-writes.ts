// Which versions of an object this process wrote itself, until the watch cache has caught up.
//
// A controller that acts on an object and then writes it gets the new version back from the API
// server at once, while the watch brings the same version a moment later. Two questions follow,
// and this tracker answers both from one record per object:
// - "is this watch event my own write?" (isOwn): such an event brings nothing new, and queuing it
//   would defeat a retry backoff (every failed attempt writes status, whose event would run the
//   next attempt at once);
// - "which copy is the freshest?" (latest): the cache may still hold a version that one of my
//   writes replaced; deciding on it would repeat work (and vendor calls) already done.

/** The little of an object this tracker reads. */
export interface Versioned {
  readonly metadata: { readonly resourceVersion?: string | undefined };
}

interface Entry<T> {
  readonly object: T;
  /** resourceVersions this process's writes produced. */
  readonly own: Set<string>;
  /** resourceVersions those writes replaced: a cache still holding one is behind us. */
  readonly replaced: Set<string>;
}

/** Beyond this many versions written on top of one the cache never showed, trust the cache again. */
const DEFAULT_MAX_REPLACED = 64;

export class OwnWrites<T extends Versioned> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly maxReplaced = DEFAULT_MAX_REPLACED) {}

  /**
   * Records a write of `key` computed from the versions in `read` (oldest first) that produced
   * `after`. A patch that changed nothing comes back with a version already read: nothing recorded.
   */
  record(key: string, read: readonly (string | undefined)[], after: T): void {
    const rv = after.metadata.resourceVersion;
    if (rv === undefined || read.includes(rv)) return;
    const previous = this.entries.get(key);
    if (previous !== undefined && previous.replaced.size >= this.maxReplaced) {
      this.entries.delete(key);
      return;
    }
    const entry: Entry<T> = { object: after, own: previous?.own ?? new Set(), replaced: previous?.replaced ?? new Set() };
    for (const r of read) if (r !== undefined && r !== rv) entry.replaced.add(r);
    entry.own.add(rv);
    this.entries.set(key, entry);
  }

  /** Whether `resourceVersion` of `key` came from one of this process's writes. */
  isOwn(key: string, resourceVersion: string | undefined): boolean {
    return resourceVersion !== undefined && this.entries.get(key)?.own.has(resourceVersion) === true;
  }

  /**
   * The cache's copy, unless the cache still shows a version one of our writes replaced: then the
   * object our last write returned. Once the cache has caught up (or another writer moved the
   * object on, or it was deleted), the record is dropped and the cache is current again.
   */
  latest(key: string, cached: T | undefined): T | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return cached;
    const rv = cached?.metadata.resourceVersion;
    if (cached !== undefined && rv !== undefined && entry.replaced.has(rv)) return entry.object;
    this.entries.delete(key);
    return cached;
  }

  /** Versions the cache may still show that our writes replaced (a copy; empty when none). */
  replacedVersions(key: string): Set<string> {
    return new Set(this.entries.get(key)?.replaced);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
