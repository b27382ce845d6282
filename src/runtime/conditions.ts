// The one place that edits `.status.conditions` (metav1.Condition semantics, as cert-manager and
// apimachinery's meta.SetStatusCondition do it): lastTransitionTime moves only when the status
// flips, so `kubectl wait` and alerting see real transitions rather than every reconcile.

import { deepEqual } from './deep-equal.js';

// metav1.Condition's shape. The runtime layer knows no API of ours: a resource's schema (zod in its
// api/ package) produces objects of this shape, and these helpers work on any of them.
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number | undefined;
}

export interface ConditionUpdate {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

export interface SetConditionContext {
  /** metadata.generation of the object the condition describes. */
  readonly observedGeneration: number;
  readonly now: Date;
}

/** RFC 3339 at second precision: `2026-11-04T10:00:00Z`. */
export function toRfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Returns a new list with `next` applied: an existing condition of the same type is replaced in
 * place (order kept), otherwise it is appended. lastTransitionTime is kept when the status is
 * unchanged and set to `now` when it changes; observedGeneration is always set.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: ConditionUpdate,
  ctx: SetConditionContext,
): Condition[] {
  const list = conditions ?? [];
  const existing = list.find((c) => c.type === next.type);
  const updated: Condition = {
    type: next.type,
    status: next.status,
    reason: next.reason,
    message: next.message,
    lastTransitionTime:
      existing !== undefined && existing.status === next.status ? existing.lastTransitionTime : toRfc3339(ctx.now),
    observedGeneration: ctx.observedGeneration,
  };
  if (existing === undefined) return [...list, updated];
  return list.map((c) => (c.type === next.type ? updated : c));
}

/** Returns a new list without conditions of `type`. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when a condition of `type` exists with status True. */
export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

/**
 * Whether two condition lists say the same thing, every field included (lastTransitionTime and
 * observedGeneration too); the order of the list does not matter.
 */
export function conditionsEqual(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const left = a ?? [];
  const right = b ?? [];
  if (left.length !== right.length) return false;
  return left.every((l) => {
    const r = right.find((c) => c.type === l.type);
    return r !== undefined && deepEqual(l, r);
  });
}

/**
 * Whether a status write would change anything: a deep comparison of two JSON-like values that
 * ignores nothing except the difference between a missing key and a key set to undefined (both
 * serialise to the same JSON). Lets a reconciler skip no-op status updates.
 */
export function statusChanged(before: unknown, after: unknown): boolean {
  return !deepEqual(before, after);
}
