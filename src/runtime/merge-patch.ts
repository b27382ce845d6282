// RFC 7386 JSON merge patch generation. A merge patch merges nested objects key by key, so
// replacing `{taskid: a}` with `{uid: b}` must say `taskid: null` explicitly or the old key would
// survive; this computes that minimal patch. Arrays are replaced whole, as the RFC says.
import { deepEqual } from './deep-equal.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}


/**
 * The merge patch that turns `before` into `after`, or undefined when they are equal.
 * `undefined` members of `after` count as absent (removed).
 */
export function mergePatch(before: unknown, after: unknown): unknown {
  if (!isPlainObject(before) || !isPlainObject(after)) return deepEqual(before, after) ? undefined : (after ?? null);
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(before)) {
    if (before[key] !== undefined && after[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const old = before[key];
    if (old === undefined) {
      patch[key] = value;
      continue;
    }
    const sub = mergePatch(old, value);
    if (sub !== undefined) patch[key] = sub;
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}

/** Applies a merge patch (for tests and for predicting the server's result). */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}
