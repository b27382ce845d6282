// Every failed vendor call is recorded the same way (Crossplane's managed reconciler): the answer
// in status, Synced=False with a reason from the catalogue, Reconciling while retrying, one Warning
// Event whose message aggregates across attempts, and the retry policy that the failure's meaning
// implies. Retries themselves are the work queue's job.
import type { StartIntent } from '../api/v1alpha1/intent.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { setCondition } from '../runtime/conditions.js';
import { NotLeading, VendorCallFailed } from './external.js';
import { Cond, EventReason, ReconcilingReason, SyncedReason } from './reasons.js';
import { RetryLater } from './task-writes.js';
import { withoutReconciling, withSynced, type ActContext, type Outcome } from './vendor-actions.js';

export interface FailedCall {
  readonly endpoint: 'startrtmp' | 'stoprtmp';
  readonly who: string;
  /** The request hash of a failed start (recorded as rejected on a 2101). */
  readonly hash: string | undefined;
  /** The intent written before a failed start: settled when the vendor surely did nothing. */
  readonly intent?: StartIntent;
  readonly deleting?: boolean;
}

export async function recordFailure(task: UnvalidatedRtmpPushTask, c: ActContext, err: unknown, call: FailedCall): Promise<Outcome> {
  if (c.signal.aborted || err instanceof NotLeading || !(err instanceof VendorCallFailed)) throw err;
  const now = c.now();
  const code = err.vendorCode !== undefined ? `code ${err.vendorCode}` : err.code;
  const base = `${call.endpoint} for ${call.who} failed: ${code}: ${err.message}`;
  c.log.warn({ endpoint: call.endpoint, code: err.code, vendorCode: err.vendorCode, kind: err.kind, outcome: err.outcome, traceId: err.traceId }, 'vendor call failed');

  const retryMin = Math.round(c.credentialsRetryMs / 1000);
  const deleting = call.deleting === true;
  let reason: string;
  let message: string;
  let result: { requeueAfterMs?: number } | 'retry';
  switch (err.kind) {
    case 'InvalidRequest':
      reason = SyncedReason.InvalidParameter;
      // A refused stop is retried anyway, slowly: a push the spec no longer declares must end.
      message = call.endpoint === 'stoprtmp' ? `${base}; retried every ${retryMin}s` : `${base}; not retried until the spec changes`;
      result = call.endpoint === 'stoprtmp' ? { requeueAfterMs: c.credentialsRetryMs } : {};
      break;
    case 'CredentialsRejected':
      reason = SyncedReason.CredentialsRejected;
      message = `${base}; fix the credentials Secret (retried at once when it changes, else every ${retryMin}s)`;
      result = { requeueAfterMs: c.credentialsRetryMs };
      break;
    case 'EndpointRejected':
      reason = SyncedReason.VendorEndpointRejected;
      message = `${base}; the request was refused before it reached the vendor API: check --jocloud-endpoint, --jocloud-path-prefix and any proxy (retried at once when the Secret changes, else every ${retryMin}s)`;
      result = { requeueAfterMs: c.credentialsRetryMs };
      break;
    case 'Retryable':
      reason = err.code;
      message = `${base}; retrying with backoff`;
      result = 'retry';
      break;
  }
  const terminal = err.kind !== 'Retryable';
  const settleIntent = call.intent !== undefined && err.outcome === 'refused' && call.intent.maybeRunning !== true;
  let blockedSince: string | undefined;
  await c.deps.writes.writeStatus(
    task,
    (s) => {
      blockedSince = deleting && terminal ? (s.stopFailingSince ?? now.toISOString()) : s.stopFailingSince;
      const next = withSynced(
        c,
        {
          ...s,
          lastTraceId: err.traceId,
          lastResponse: { code: err.vendorCode ?? -1, message: err.message },
          rejectedRequestHash: err.kind === 'InvalidRequest' && call.hash !== undefined ? call.hash : s.rejectedRequestHash,
          stopFailingSince: blockedSince,
          ...(settleIntent && call.intent !== undefined ? { settledIntent: call.intent.id } : {}),
        },
        'False',
        deleting && terminal ? SyncedReason.StopFailing : reason,
        message,
      );
      return result === 'retry'
        ? {
            ...next,
            conditions: setCondition(
              next.conditions,
              { type: Cond.Reconciling, status: 'True', reason: ReconcilingReason.RetryingWithBackoff, message },
              { observedGeneration: task.metadata.generation ?? 0, now },
            ),
          }
        : withoutReconciling(next);
    },
    c.signal,
  );
  c.deps.events.record(c.task, 'Warning', EventReason.SyncFailed, message);
  if (deleting && blockedSince !== undefined && now.getTime() - Date.parse(blockedSince) >= c.deletionBlockedAfterMs) {
    c.deps.events.record(
      c.task,
      'Warning',
      EventReason.DeletionBlocked,
      `stoprtmp has failed since ${blockedSince}, so the finalizer stays and the stream is not leaked. ${letGoHint(c.task)}`,
    );
  }
  if (result === 'retry') throw new RetryLater(message);
  return { done: result };
}

/** How a human lets go of a task whose push cannot be stopped. */
export function letGoHint(task: UnvalidatedRtmpPushTask): string {
  return `To delete anyway, stop the push at the vendor and run: kubectl patch rtmppushtask ${task.metadata.name ?? ''} -n ${task.metadata.namespace ?? ''} --type merge -p '{"spec":{"deletionPolicy":"Orphan"}}'`;
}
