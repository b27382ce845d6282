// Acting on a decision that involves the vendor: start (intent first, then the call, then one
// status write with the outcome and its conditions), stop (with the credentials that started the
// push), and the two bookkeeping steps that need no call (release, settle).
import { randomBytes } from 'node:crypto';
import type { StartIntent } from '../api/v1alpha1/intent.js';
import type { RecordedPush, RtmpPushTaskStatus } from '../api/v1alpha1/status.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { StartRtmpRequest } from '../jocloud/wire.js';
import type { Logger } from '../observability/logger.js';
import { removeCondition, setCondition } from '../runtime/conditions.js';
import { describeIdentity, type Decision, type StopWhy } from './decide.js';
import { sameIdentity } from './desired-request.js';
import { recordFailure } from './failures.js';
import type { Observed } from './observe.js';
import { startIntentOf, unsettledIntent } from './read-task.js';
import { Cond, EventReason, SyncedReason } from './reasons.js';
import type { ReconcileResult, ReconcilerDeps } from './reconciler.js';

export interface ActContext {
  readonly deps: ReconcilerDeps;
  readonly now: () => Date;
  readonly callbacksEnabled: boolean;
  readonly credentialsRetryMs: number;
  readonly deletionBlockedAfterMs: number;
  readonly staleAfterMs: number;
  readonly task: UnvalidatedRtmpPushTask;
  readonly observed: Observed;
  readonly key: string;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

export type Outcome = { next: UnvalidatedRtmpPushTask | undefined } | { done: ReconcileResult };

function newIntentId(c: ActContext): string {
  return c.deps.newIntentId?.() ?? `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

/** Synced as of this generation. */
export function withSynced(c: ActContext, s: RtmpPushTaskStatus, status: 'True' | 'False', reason: string, message: string): RtmpPushTaskStatus {
  return { ...s, conditions: setCondition(s.conditions, { type: Cond.Synced, status, reason, message }, { observedGeneration: c.task.metadata.generation ?? 0, now: c.now() }) };
}

export function withoutReconciling(s: RtmpPushTaskStatus): RtmpPushTaskStatus {
  return { ...s, conditions: removeCondition(s.conditions, Cond.Reconciling) };
}

export async function start(c: ActContext, d: Extract<Decision<StartRtmpRequest>, { kind: 'Start' }>): Promise<Outcome> {
  const resolved = c.observed.credentials;
  if (!resolved.ok) throw new Error('decide() chose a vendor call without credentials');
  const who = describeIdentity(d.push.identity);
  const namespace = c.task.metadata.namespace ?? '';
  if (resolved.ref.namespace === namespace) await c.deps.secretProtection?.ensure(resolved.ref, namespace, c.signal);

  // Intent first: if the answer is lost, this record is what makes a later delete, suspend or
  // identity change stop the push anyway.
  const previous = c.observed.intent;
  const intent: StartIntent = {
    id: newIntentId(c),
    ...d.push.identity,
    credentialsSecretRef: { namespace: resolved.ref.namespace, name: resolved.ref.name },
    requestHash: d.push.hash,
    ...(previous !== undefined && sameIdentity(previous, d.push.identity) ? { maybeRunning: true } : {}),
  };
  const marked = await c.deps.writes.writeIntent(c.task, intent, c.signal);
  if (marked === undefined) return { done: {} };

  try {
    const ack = await c.deps.vendor.start(d.push.request, resolved.credentials, c.signal);
    c.log.info({ why: d.why, traceId: ack.traceId, identity: d.push.identity }, 'startrtmp accepted');
    const written = await c.deps.writes.writeStatus(
      marked,
      (s, current) => {
        // Another writer (a new leader) recorded a newer intent meanwhile: it settles that one.
        if (startIntentOf(current)?.id !== intent.id) return undefined;
        const next: RtmpPushTaskStatus = {
          ...s,
          taskid: d.push.identity.taskid,
          active: { ...d.push.identity, credentialsSecretRef: intent.credentialsSecretRef },
          requestHash: d.push.hash,
          rejectedRequestHash: undefined,
          settledIntent: intent.id,
          lastTraceId: ack.traceId,
          lastResponse: { code: ack.code, message: ack.message },
          lastStartTime: c.now().toISOString(),
          restarts: d.why === 'Restart' ? (s.restarts ?? 0) + 1 : undefined,
          stopFailingSince: undefined,
          owner: undefined,
        };
        return withoutReconciling(withSynced(c, next, 'True', SyncedReason.Synced, `the vendor accepted the current request (traceId ${ack.traceId})`));
      },
      c.signal,
    );
    const reason = d.why === 'Create' ? EventReason.Started : d.why === 'Update' ? EventReason.Updated : EventReason.Restarted;
    const what = d.why === 'Restart' ? `the vendor reported the push terminated (3003); started ${who} again` : `startrtmp accepted for ${who}`;
    c.deps.events.record(c.task, 'Normal', reason, `${what} (traceId ${ack.traceId})`);
    return { next: written.task };
  } catch (err) {
    return recordFailure(marked, c, err, { endpoint: 'startrtmp', who, hash: d.push.hash, intent });
  }
}

/** The status with `push` no longer recorded as possibly running. */
function forgetPush(s: RtmpPushTaskStatus, current: UnvalidatedRtmpPushTask, push: RecordedPush): RtmpPushTaskStatus {
  let next = s;
  if (s.active !== undefined && sameIdentity(s.active, push)) {
    // The addresses' states belonged to the stopped task; a new start reports afresh.
    next = { ...next, active: undefined, requestHash: undefined, restarts: undefined, destinations: undefined };
  }
  const intent = unsettledIntent(current, s);
  if (intent !== undefined && sameIdentity(intent, push)) next = { ...next, settledIntent: intent.id };
  return next;
}

export async function stop(c: ActContext, push: RecordedPush, why: StopWhy): Promise<Outcome> {
  const resolved = c.observed.credentialsFor(push);
  if (!resolved.ok) throw new Error('decide() chose a vendor call without credentials');
  const who = describeIdentity(push);
  try {
    const ack = await c.deps.vendor.stop(push, resolved.credentials, c.signal);
    c.log.info({ why, traceId: ack.traceId, identity: push, alreadyStopped: ack.alreadyStopped }, 'stoprtmp done');
    const written = await c.deps.writes.writeStatus(
      c.task,
      (s, current) => ({
        ...forgetPush(s, current, push),
        lastTraceId: ack.traceId,
        lastResponse: { code: ack.code, message: ack.message },
        stopFailingSince: undefined,
      }),
      c.signal,
    );
    const reason = why === 'Suspending' ? EventReason.Suspended : EventReason.Stopped;
    const what = why === 'IdentityChanged' ? `stopped ${who}: the task identity changed, the new one starts next` : `stopped ${who}`;
    c.deps.events.record(c.task, 'Normal', reason, `${what} (traceId ${ack.traceId})`);
    return { next: written.task };
  } catch (err) {
    return recordFailure(c.task, c, err, { endpoint: 'stoprtmp', who, hash: undefined, deleting: why === 'Deleting' });
  }
}

/** Forgets a push an older task also holds: stopping it would stop that task's stream. */
export async function release(c: ActContext, push: RecordedPush, why: StopWhy): Promise<Outcome> {
  const written = await c.deps.writes.writeStatus(c.task, (s, current) => forgetPush(s, current, push), c.signal);
  c.deps.events.record(
    c.task,
    'Normal',
    EventReason.IdentityConflict,
    `${describeIdentity(push)} is held by an older RtmpPushTask too: forgot it without stopping it (${why})`,
  );
  return { next: written.task };
}

/** The unsettled intent's request is the accepted one: it ran. */
export async function settle(c: ActContext, intentId: string): Promise<Outcome> {
  const written = await c.deps.writes.writeStatus(c.task, (s) => ({ ...s, settledIntent: intentId }), c.signal);
  return { next: written.task };
}
