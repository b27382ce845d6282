// The conditions that follow from the rest of the status — Streaming, Stalled and Ready — derived
// in exactly one function that both status writers (the reconciler and the callback writer) call,
// so they can never disagree (cert-manager: one owner per condition). The reconciler owns Synced
// and Reconciling; the callbacks own destinations; everything here is computed from those.
import type { Condition, Destination, RtmpPushTaskStatus } from '../api/v1alpha1/status.js';
import { getCondition, removeCondition, setCondition } from '../runtime/conditions.js';
import { nextStaleCheck, RESTARTS_RESET_AFTER_MS, streamingVerdict } from './destinations.js';
import { Cond, EventReason, ReadyReason, stalledReasonFor, SyncedReason } from './reasons.js';

export interface DeriveInput {
  readonly conditions: readonly Condition[];
  /** Whether a push is recorded as running (status.active). */
  readonly active: boolean;
  readonly suspend: boolean;
  readonly rtmpurls: readonly string[];
  readonly destinations: readonly Destination[];
  /** Restarts after 3003 since the task last reported pushing. */
  readonly restarts: number;
}

export interface DeriveContext {
  readonly now: Date;
  /** Whether push-status callbacks are received; without them Ready follows Synced alone. */
  readonly callbacksEnabled: boolean;
  /** --callback-stale-after. */
  readonly staleMs: number;
  /** A push problem lasting this long (or this many restarts) makes Ready PushFailing. */
  readonly pushFailingAfterMs: number;
  readonly pushFailingAfterRestarts: number;
}

export interface Derived {
  readonly conditions: Condition[];
  /** When a derived condition changes by time alone (staleness, PushFailing): look again then. */
  readonly recheckAt: Date | undefined;
}

/** The spec fields derivation reads (leniently: a task with an invalid spec may be pushing). */
export interface DeriveSpec {
  readonly suspend: boolean;
  readonly rtmpurls: readonly string[];
}

/**
 * The status with its derived parts brought up to date: Streaming, Stalled, Ready, and the
 * restart count, which a task that has been pushing for RESTARTS_RESET_AFTER_MS since its last
 * start no longer carries. (Cleared at the first 3000 instead, every restart after a brief
 * recovery would count as the first: no backoff, and a run of terminations never visible.)
 */
export function deriveStatus(s: RtmpPushTaskStatus, spec: DeriveSpec, ctx: DeriveContext): { status: RtmpPushTaskStatus; recheckAt: Date | undefined } {
  const derived = deriveConditions(
    {
      conditions: s.conditions ?? [],
      active: s.active !== undefined,
      suspend: spec.suspend,
      rtmpurls: spec.rtmpurls,
      destinations: s.destinations ?? [],
      restarts: s.restarts ?? 0,
    },
    ctx,
  );
  const streaming = getCondition(derived.conditions, Cond.Streaming);
  const startedAt = s.lastStartTime === undefined ? Number.NaN : Date.parse(s.lastStartTime);
  const stable = streaming?.status === 'True' && Number.isFinite(startedAt) && ctx.now.getTime() - startedAt >= RESTARTS_RESET_AFTER_MS;
  const restarts = stable ? undefined : s.restarts;
  return { status: { ...s, restarts, conditions: derived.conditions }, recheckAt: derived.recheckAt };
}

/** An Event for a Streaming transition, or undefined when Streaming did not change status. */
export function streamingTransition(
  before: readonly Condition[] | undefined,
  after: readonly Condition[] | undefined,
): { type: 'Normal' | 'Warning'; reason: string; message: string } | undefined {
  const was = getCondition(before, Cond.Streaming);
  const now = getCondition(after, Cond.Streaming);
  if (now === undefined || (was !== undefined && was.status === now.status)) return undefined;
  if (now.status === 'True') return { type: 'Normal', reason: EventReason.StreamingStarted, message: now.message };
  if (now.status === 'False' && now.reason !== 'NotPushing' && now.reason !== SyncedReason.Suspended) {
    return { type: 'Warning', reason: EventReason.StreamingProblem, message: `${now.reason}: ${now.message}` };
  }
  return undefined;
}

export const DEFAULT_PUSH_FAILING_AFTER_MS = 120_000;
export const DEFAULT_PUSH_FAILING_AFTER_RESTARTS = 3;

export function deriveConditions(input: DeriveInput, ctx: DeriveContext): Derived {
  const synced = getCondition(input.conditions, Cond.Synced);
  let conditions = [...input.conditions];
  if (synced === undefined) return { conditions, recheckAt: undefined };
  // Derived conditions describe the spec generation Synced speaks for: a callback says nothing
  // about whether a newer spec has reached the vendor.
  const setCtx = { observedGeneration: synced.observedGeneration ?? 0, now: ctx.now };
  const recheck: Date[] = [];

  let streaming: Condition | undefined;
  if (ctx.callbacksEnabled) {
    const verdict = input.active
      ? streamingVerdict(input.rtmpurls, input.destinations, ctx.now, ctx.staleMs)
      : { status: 'False' as const, reason: input.suspend ? SyncedReason.Suspended : 'NotPushing', message: 'no push task is running at the vendor' };
    conditions = setCondition(conditions, { type: Cond.Streaming, ...verdict }, setCtx);
    streaming = getCondition(conditions, Cond.Streaming);
    if (input.active) {
      const stale = nextStaleCheck(input.rtmpurls, input.destinations, ctx.staleMs, ctx.now);
      if (stale !== undefined) recheck.push(stale);
    }
  }

  const stalled = synced.status === 'False' ? stalledReasonFor(synced.reason) : undefined;
  conditions =
    stalled === undefined
      ? removeCondition(conditions, Cond.Stalled)
      : setCondition(conditions, { type: Cond.Stalled, status: 'True', reason: stalled, message: synced.message }, setCtx);

  const ready = readyFrom(synced, streaming, input, ctx);
  conditions = setCondition(conditions, ready.condition, setCtx);
  if (ready.recheckAt !== undefined) recheck.push(ready.recheckAt);
  const future = recheck.filter((d) => d.getTime() > ctx.now.getTime());
  return { conditions, recheckAt: future.length > 0 ? new Date(Math.min(...future.map((d) => d.getTime()))) : undefined };
}

interface ReadyVerdict {
  readonly condition: { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string };
  readonly recheckAt?: Date;
}

function readyFrom(synced: Condition, streaming: Condition | undefined, input: DeriveInput, ctx: DeriveContext): ReadyVerdict {
  const ready = (status: 'True' | 'False' | 'Unknown', reason: string, message: string): ReadyVerdict => ({
    condition: { type: Cond.Ready, status, reason, message },
  });
  if (synced.status !== 'True') return ready(synced.status === 'Unknown' ? 'Unknown' : 'False', synced.reason, synced.message);
  // A suspended task has reached its declared state: nothing pushed (kstatus: Current).
  if (synced.reason === SyncedReason.Suspended) return ready('True', ReadyReason.Suspended, 'spec.suspend is true: the push is stopped, as declared');
  if (!ctx.callbacksEnabled) return ready('True', ReadyReason.Synced, synced.message);
  if (streaming === undefined) return ready('Unknown', ReadyReason.AwaitingCallback, 'waiting for the first push-status callback');
  if (streaming.status === 'True') return ready('True', ReadyReason.Streaming, streaming.message);
  if (streaming.status === 'False') {
    if (input.restarts >= ctx.pushFailingAfterRestarts) {
      return ready('False', ReadyReason.PushFailing, `the vendor terminated the push ${input.restarts} times in a row; ${streaming.message}`);
    }
    // A termination is the restart logic's to heal (and counted above); the vendor's periodic
    // 3001/3002 are what can last without the operator being able to do anything.
    if (streaming.reason === 'Terminated') return ready('False', streaming.reason, streaming.message);
    const since = Date.parse(streaming.lastTransitionTime);
    const failingAt = since + ctx.pushFailingAfterMs;
    if (Number.isFinite(since) && failingAt <= ctx.now.getTime()) {
      return ready('False', ReadyReason.PushFailing, `since ${streaming.lastTransitionTime}: ${streaming.message}`);
    }
    return { ...ready('False', streaming.reason, streaming.message), ...(Number.isFinite(since) ? { recheckAt: new Date(failingAt) } : {}) };
  }
  return ready(streaming.status, streaming.reason, streaming.message);
}
