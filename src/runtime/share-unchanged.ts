// Structural sharing between two versions of one object. Most updates of an object change one
// part of it (a status write leaves the spec alone, a finalizer patch leaves both), yet every
// watch event and every write's answer is a freshly parsed copy of the whole object. Giving the
// new version the old version's instance of each part that did not change lets everything keyed
// by instance (parse memos in WeakMaps) carry over from one version to the next, and lets the old
// copy's garbage go at once. Only top-level parts other than metadata are shared: metadata always
// changes (resourceVersion).

import { deepEqual } from './deep-equal.js';

/** `next` with each top-level field (other than metadata) equal to `previous`'s replaced by it. */
export function shareUnchanged<T extends object>(next: T, previous: T | undefined): T {
  if (previous === undefined || previous === next) return next;
  const n = next as Record<string, unknown>;
  const p = previous as Record<string, unknown>;
  for (const key of Object.keys(n)) {
    if (key === 'metadata') continue;
    const a = n[key];
    const b = p[key];
    if (a !== b && typeof a === 'object' && a !== null && deepEqual(a, b)) n[key] = b;
  }
  return next;
}
