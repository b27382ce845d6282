// What the callback writer would change in a task's status, as a pure function of the object and
// the reports waiting for it. Kept apart from the I/O so every rule is table-tested.
//
// Whose conditions these are: the reconciler owns Synced and decides what the vendor should run;
// the callback writer only reports what the vendor says it is doing. So:
// - Streaming and Ready are recomputed here only for a task the vendor is running
//   (status.active set) that the reconciler has synced at least once. Otherwise the reconciler's
//   own conditions stand; the destinations are still recorded.
// - Their observedGeneration is the Synced condition's, not metadata.generation. A callback says
//   nothing about whether the newest spec has reached the vendor; stamping the current generation
//   would let `kubectl wait --for=condition=Ready` succeed for a spec the reconciler has not
//   applied yet.
// - Streaming, Stalled and Ready go through deriveStatus, the function the reconciler uses, so the
//   two writers agree.
import { destinationKey, destinationsFor, type Destination } from '../controller/destinations.js';
import { DEFAULT_PUSH_FAILING_AFTER_MS, DEFAULT_PUSH_FAILING_AFTER_RESTARTS, deriveStatus, type DeriveContext } from '../controller/status-derive.js';
import { getCondition, type Condition } from '../runtime/conditions.js';
import { deepEqual } from '../runtime/deep-equal.js';
import { applyCallback, type CallbackReport } from './fold.js';
import { withoutQuery } from './task-index.js';
import type { CallbackView } from './task-view.js';

export interface PlanContext {
  readonly now: Date;
  /** An unchanged state refreshes lastCallbackTime at most this often (--status-refresh-interval). */
  readonly refreshMs: number;
  /** Reports older than this turn Streaming Unknown (--callback-stale-after). */
  readonly staleMs: number;
  /** See status-derive.ts; the defaults there when absent. */
  readonly pushFailingAfterMs?: number;
  readonly pushFailingAfterRestarts?: number;
}

/** The `status` fields that changed, each in full (lists are replaced whole by a merge patch). */
export interface StatusPatch {
  destinations?: Destination[];
  conditions?: Condition[];
  /** undefined (with the key present): the restart count is cleared. */
  restarts?: number | undefined;
}

export interface StatusPlan {
  /** Undefined when nothing would change: no write. */
  readonly patch: StatusPatch | undefined;
  /** A report turned an address Terminated (3003) while the task should be running. */
  readonly terminatedWhileRunning: boolean;
  /** The task should be pushing (running, not suspended, not being deleted). */
  readonly shouldRun: boolean;
  /** When to look again so a silent vendor turns Streaming Unknown; unset when no report can go stale. */
  readonly recheckAt: Date | undefined;
}

export function planCallbackStatus(view: CallbackView, reports: readonly CallbackReport[], ctx: PlanContext): StatusPlan {
  let destinations: Destination[] = [...view.destinations];
  const terminatedNow = new Set<string>();
  const startedAt = view.lastStartTime === undefined ? undefined : Date.parse(view.lastStartTime);
  // Oldest first, so a newer report is the one left standing; each filed under its spec address.
  const ordered = reports
    .map((r) => ({ ...r, url: specAddressFor(view.rtmpurls, r.url) }))
    .sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  for (const report of ordered) {
    const r = applyCallback(destinations, report, ctx.now, ctx.refreshMs, startedAt);
    destinations = r.destinations;
    if (r.outcome === 'state-changed' && report.status === 3003) terminatedNow.add(destinationKey(report.url));
  }
  // Addresses removed from the spec are no longer ours to report on.
  destinations = destinationsFor(view.rtmpurls, destinations);
  const terminated = destinations.some((d) => d.state === 'Terminated' && terminatedNow.has(d.url));

  const patch: StatusPatch = {};
  if (!deepEqual(destinations, view.destinations)) patch.destinations = destinations;

  let recheckAt: Date | undefined;
  const synced = getCondition(view.conditions, 'Synced');
  // The reconciler owns Synced and what follows from a task not running; the derived conditions
  // are recomputed here only for a running task it has synced at least once.
  if (view.active && synced !== undefined) {
    const derived = deriveStatus(
      { conditions: [...view.conditions], active: view.activeIdentity, destinations, restarts: view.restarts, lastStartTime: view.lastStartTime },
      { suspend: view.suspend, rtmpurls: view.rtmpurls },
      deriveContext(ctx),
    );
    const conditions = derived.status.conditions ?? [];
    if (!conditionsSame(conditions, view.conditions)) patch.conditions = conditions;
    if (derived.status.restarts !== view.restarts) patch.restarts = derived.status.restarts;
    recheckAt = derived.recheckAt;
  }

  const shouldRun = view.active && !view.suspend && !view.deleting;
  const changed = patch.destinations !== undefined || patch.conditions !== undefined || 'restarts' in patch;
  return { patch: changed ? patch : undefined, terminatedWhileRunning: terminated && shouldRun, shouldRun, recheckAt };
}

function deriveContext(ctx: PlanContext): DeriveContext {
  return {
    now: ctx.now,
    callbacksEnabled: true,
    staleMs: ctx.staleMs,
    pushFailingAfterMs: ctx.pushFailingAfterMs ?? DEFAULT_PUSH_FAILING_AFTER_MS,
    pushFailingAfterRestarts: ctx.pushFailingAfterRestarts ?? DEFAULT_PUSH_FAILING_AFTER_RESTARTS,
  };
}

function conditionsSame(a: readonly Condition[], b: readonly Condition[]): boolean {
  return a.length === b.length && a.every((c) => deepEqual(c, b.find((x) => x.type === c.type)));
}

/**
 * The spec address a report is about. The index accepts a report whose address lost its query
 * string, or carries a refreshed auth key and parameters the CDN added (task-index.ts), so the
 * report must land on that address too instead of being dropped as an address not in the spec:
 * the same address with secrets redacted first, else the one spec address with the same path.
 */
export function specAddressFor(rtmpurls: readonly string[], url: string): string {
  const key = destinationKey(url);
  const exact = rtmpurls.find((u) => destinationKey(u) === key);
  if (exact !== undefined) return exact;
  const path = withoutQuery(url);
  const samePath = rtmpurls.filter((u) => withoutQuery(u) === path);
  return samePath.length === 1 && samePath[0] !== undefined ? samePath[0] : url;
}
