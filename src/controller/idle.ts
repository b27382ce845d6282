// Nothing to call at the vendor: say why in Synced (and Reconciling while a restart waits for its
// backoff), write only if that changed anything, and ask to look again when time alone will
// change something (credentials retry, restart backoff, staleness of callbacks).
import type { RtmpPushTaskStatus } from '../api/v1alpha1/status.js';
import { getCondition, setCondition } from '../runtime/conditions.js';
import { describeIdentity, type IdleWhy } from './decide.js';
import { letGoHint } from './failures.js';
import { Cond, EventReason, ReconcilingReason, SyncedReason } from './reasons.js';
import type { ReconcileResult } from './reconciler.js';
import { withoutReconciling, withSynced, type ActContext } from './vendor-actions.js';

interface SyncedVerdict {
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

function syncedFor(c: ActContext, why: Exclude<IdleWhy, { kind: 'Gone' }>, s: RtmpPushTaskStatus): SyncedVerdict {
  switch (why.kind) {
    case 'InSync':
      return { status: 'True', reason: SyncedReason.Synced, message: `the vendor accepted the current request${s.lastTraceId !== undefined ? ` (traceId ${s.lastTraceId})` : ''}` };
    case 'Suspended':
      return { status: 'True', reason: SyncedReason.Suspended, message: 'spec.suspend is true: the push is stopped' };
    case 'InvalidSpec':
      return { status: 'False', reason: SyncedReason.InvalidSpec, message: `${why.message}; fix the spec (nothing is sent to the vendor until then)` };
    case 'Rejected': {
      // The failed call that recorded the rejection explained it already (endpoint, traceId): keep
      // that text, so that a later reconcile (an operator restart) does not rewrite the status.
      const current = getCondition(s.conditions, Cond.Synced);
      if (current?.status === 'False' && current.reason === SyncedReason.InvalidParameter) return { status: 'False', reason: SyncedReason.InvalidParameter, message: current.message };
      return {
        status: 'False',
        reason: SyncedReason.InvalidParameter,
        message: `the vendor rejected this request as invalid (code ${s.lastResponse?.code ?? 2101}: ${s.lastResponse?.message ?? ''}); not retried until the spec changes`,
      };
    }
    case 'CredentialsUnavailable': {
      if (c.observed.observation.deleting) {
        const running = [c.observed.status.active, c.observed.intent].filter((p) => p !== undefined).map((p) => describeIdentity(p));
        return {
          status: 'False',
          reason: why.reason,
          message: `cannot stop ${running.join(' and ')}: ${why.message}; the finalizer stays so the stream is not leaked. Restore the Secret, or: ${letGoHint(c.task)}`,
        };
      }
      return { status: 'False', reason: why.reason, message: `${why.message}; retried when the Secret changes` };
    }
    case 'NotPermitted':
      return { status: 'False', reason: SyncedReason.NotPermitted, message: `${why.message}; nothing is sent to the vendor` };
    case 'IdentityConflict':
      return {
        status: 'False',
        reason: SyncedReason.IdentityConflict,
        message: `the vendor identity this task declares belongs to RtmpPushTask ${why.owner}; nothing is sent to the vendor until it lets go (or this task declares another taskid or uid)`,
      };
  }
}

const eventOnEntering: Partial<Record<string, string>> = {
  [SyncedReason.InvalidSpec]: EventReason.SpecRefused,
  [SyncedReason.IdentityConflict]: EventReason.IdentityConflict,
  [SyncedReason.NotPermitted]: EventReason.NotPermitted,
};

export async function idle(c: ActContext, why: IdleWhy): Promise<ReconcileResult> {
  if (why.kind === 'Gone') return {};
  const restartAt = c.observed.restartAt;
  let verdict: SyncedVerdict | undefined;
  const written = await c.deps.writes.writeStatus(
    c.task,
    (s) => {
      verdict = syncedFor(c, why, s);
      const next = withSynced(c, { ...s, owner: why.kind === 'IdentityConflict' ? why.owner : undefined }, verdict.status, verdict.reason, verdict.message);
      if (restartAt === undefined || why.kind !== 'InSync') return withoutReconciling(next);
      const restarting = { type: Cond.Reconciling, status: 'True' as const, reason: ReconcilingReason.Restarting, message: `the vendor terminated the push; restarting at ${restartAt.toISOString()}` };
      return { ...next, conditions: setCondition(next.conditions, restarting, { observedGeneration: c.task.metadata.generation ?? 0, now: c.now() }) };
    },
    c.signal,
  );
  const before = getCondition(written.before?.conditions, Cond.Synced);
  const entered = verdict !== undefined && (before?.reason !== verdict.reason || before.message !== verdict.message) ? eventOnEntering[verdict.reason] : undefined;
  if (entered !== undefined && verdict !== undefined) c.deps.events.record(c.task, 'Warning', entered, verdict.message);
  if (why.kind === 'CredentialsUnavailable' && c.observed.observation.deleting && verdict !== undefined && before?.message !== verdict.message) {
    c.deps.events.record(c.task, 'Warning', EventReason.DeletionBlocked, verdict.message);
  }

  const requeue: number[] = [];
  const now = c.now().getTime();
  if (why.kind === 'CredentialsUnavailable') requeue.push(c.credentialsRetryMs);
  if (restartAt !== undefined) requeue.push(restartAt.getTime() - now);
  if (written.recheckAt !== undefined) requeue.push(written.recheckAt.getTime() - now);
  // Both times were in the future when observed; one may have passed while the status was
  // written (a timer can also fire a little before the wall clock reaches its time). Dropping it
  // would leave a due restart or recheck waiting for an unrelated event: look again shortly.
  return requeue.length > 0 ? { requeueAfterMs: Math.max(DUE_REQUEUE_MS, Math.min(...requeue)) } : {};
}

/** The delay of a requeue whose time has already come. */
const DUE_REQUEUE_MS = 50;
