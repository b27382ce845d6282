// What the reconciler should do next, as a pure function of what it observed. All vendor calls,
// Kubernetes writes and clocks live in the reconciler; this file only decides, so every branch of
// the semantics is covered by table tests (decide.test.ts) without any I/O.
//
// The vendor has no "get task" API, so the only record of what the vendor may be doing is ours:
// status.active (the identity last started and not yet stopped, with the request hash the vendor
// accepted) and an unsettled start intent (annotation written before a start whose answer is not
// known yet). Every push that may be running is stopped before the task lets go of it; a start is
// issued only when the desired request differs from what was accepted, which is what makes
// operator restarts and status-only changes free of vendor calls.
import type { StartIntent } from '../api/v1alpha1/intent.js';
import type { RecordedPush, TaskIdentity } from '../api/v1alpha1/status.js';
import { sameIdentity } from './desired-request.js';

/** The vendor's key for a push task: mixed pushes by taskid, source pushes by uid. */
export type Identity = TaskIdentity;

export function describeIdentity(i: Identity): string {
  const key = i.streamtype === 1 ? `taskid ${i.taskid ?? '?'}` : `uid ${i.uid ?? '?'}`;
  return `appid ${i.appid} room ${i.roomid} ${key}`;
}

/** The start request the spec implies, computed and hashed by desired-request.ts. */
export interface DesiredPush<R> {
  readonly request: R;
  readonly hash: string;
  readonly identity: Identity;
}

export type SpecCheck<R> = { readonly ok: true; readonly push: DesiredPush<R> } | { readonly ok: false; readonly message: string };

export type CredentialsCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly message: string };

export interface Observation<R> {
  readonly deleting: boolean;
  readonly hasFinalizer: boolean;
  readonly deletionPolicy: 'Delete' | 'Orphan';
  readonly suspend: boolean;
  readonly desired: SpecCheck<R>;
  /** The credentials the spec names now (for starts). */
  readonly credentials: CredentialsCheck;
  /** The credentials that started status.active (for stopping it); `credentials` when unset. */
  readonly activeCredentials?: CredentialsCheck;
  /** The credentials recorded with the unsettled intent; `credentials` when unset. */
  readonly intentCredentials?: CredentialsCheck;
  /** status.active: what the vendor is pushing for this object, as far as we know. */
  readonly active: RecordedPush | undefined;
  /** A start whose outcome is unknown: its identity may be running. */
  readonly intent?: StartIntent | undefined;
  /** status.requestHash: the request the vendor last accepted. */
  readonly acceptedHash: string | undefined;
  /** status.rejectedRequestHash: a request the vendor refused as invalid (2101); not retried. */
  readonly rejectedHash: string | undefined;
  /** The vendor reported the running task terminated (3003) unexpectedly and the restart backoff elapsed. */
  readonly restartDue: boolean;
  /** The namespace may not use these credentials or this appid (tenancy). */
  readonly permission?: CredentialsCheck;
  /** Another task (namespace/name) owns the desired identity: this one must not call for it. */
  readonly owner?: string | undefined;
  /** Identities this task recorded that an older task also holds: released without a stop. */
  readonly heldByOther?: readonly Identity[];
}

export type StopWhy = 'Deleting' | 'Suspending' | 'IdentityChanged';
export type StartWhy = 'Create' | 'Update' | 'Restart';

/** Why nothing is called: each maps to the Synced condition the reconciler writes. */
export type IdleWhy =
  | { readonly kind: 'InSync' }
  | { readonly kind: 'Suspended' }
  | { readonly kind: 'InvalidSpec'; readonly message: string }
  | { readonly kind: 'Rejected' }
  | { readonly kind: 'CredentialsUnavailable'; readonly reason: string; readonly message: string }
  | { readonly kind: 'NotPermitted'; readonly message: string }
  | { readonly kind: 'IdentityConflict'; readonly owner: string }
  | { readonly kind: 'Gone' };

export type Decision<R> =
  | { readonly kind: 'AddFinalizer' }
  | { readonly kind: 'RemoveFinalizer'; readonly why: 'Stopped' | 'Orphaned' }
  | { readonly kind: 'Stop'; readonly identity: RecordedPush; readonly why: StopWhy }
  /** Forget a recorded push another (older) task also holds, without calling the vendor. */
  | { readonly kind: 'Release'; readonly identity: RecordedPush; readonly why: StopWhy }
  /** The unsettled intent is known to have run (its request is the accepted one): record that. */
  | { readonly kind: 'Settle'; readonly intentId: string }
  /** Writes the start intent (and the finalizer, when missing) first, then calls startrtmp. */
  | { readonly kind: 'Start'; readonly push: DesiredPush<R>; readonly why: StartWhy }
  | { readonly kind: 'Idle'; readonly why: IdleWhy };

interface PossiblyRunning {
  readonly push: RecordedPush;
  readonly credentials: CredentialsCheck;
}

/** Every push that may be running for this task: the confirmed one, and an unsettled intent's. */
function possiblyRunning<R>(o: Observation<R>): PossiblyRunning[] {
  const out: PossiblyRunning[] = [];
  if (o.active !== undefined) out.push({ push: o.active, credentials: o.activeCredentials ?? o.credentials });
  const intent = o.intent;
  if (intent !== undefined && (o.active === undefined || !sameIdentity(o.active, intent))) {
    out.push({ push: pushOfIntent(intent), credentials: o.intentCredentials ?? o.credentials });
  }
  return out;
}

export function pushOfIntent(intent: StartIntent): RecordedPush {
  const { id: _id, requestHash: _hash, maybeRunning: _maybe, ...push } = intent;
  return push;
}

export function decide<R>(o: Observation<R>): Decision<R> {
  if (o.deleting) return decideDeletion(o);
  const d = decideLive(o);
  // The finalizer goes on before the first startrtmp, so a stream can never outlive its object;
  // a start writes it together with the start intent, in one write.
  if (!o.hasFinalizer && d.kind !== 'Start') return { kind: 'AddFinalizer' };
  return d;
}

function decideLive<R>(o: Observation<R>): Decision<R> {
  if (o.suspend) {
    const stop = stopFirst(o, possiblyRunning(o), 'Suspending');
    return stop ?? { kind: 'Idle', why: { kind: 'Suspended' } };
  }
  // An invalid spec never reaches the vendor. A push that is already running keeps running: the
  // user's last valid intent stays in force until they fix the spec (or delete the object).
  if (!o.desired.ok) return { kind: 'Idle', why: { kind: 'InvalidSpec', message: o.desired.message } };
  const push = o.desired.push;

  // Identity changes cannot be an in-place update: stop what runs under another identity first.
  const stale = possiblyRunning(o).filter((p) => !sameIdentity(p.push, push.identity));
  const stop = stopFirst(o, stale, 'IdentityChanged');
  if (stop !== undefined) return stop;

  if (o.permission !== undefined && !o.permission.ok) return { kind: 'Idle', why: { kind: 'NotPermitted', message: o.permission.message } };
  if (o.owner !== undefined) return { kind: 'Idle', why: { kind: 'IdentityConflict', owner: o.owner } };

  const running = o.active !== undefined && sameIdentity(o.active, push.identity);
  if (running && o.acceptedHash === push.hash) {
    if (o.intent !== undefined && o.intent.requestHash === push.hash) return { kind: 'Settle', intentId: o.intent.id };
    if (o.restartDue) return callOrBlocked(o.credentials, { kind: 'Start', push, why: 'Restart' });
    return { kind: 'Idle', why: { kind: 'InSync' } };
  }
  if (o.rejectedHash === push.hash) return { kind: 'Idle', why: { kind: 'Rejected' } };
  const maybeRunning = running || (o.intent !== undefined && sameIdentity(o.intent, push.identity));
  return callOrBlocked(o.credentials, { kind: 'Start', push, why: maybeRunning ? 'Update' : 'Create' });
}

function decideDeletion<R>(o: Observation<R>): Decision<R> {
  if (!o.hasFinalizer) return { kind: 'Idle', why: { kind: 'Gone' } };
  if (o.deletionPolicy === 'Orphan') return { kind: 'RemoveFinalizer', why: 'Orphaned' };
  return stopFirst(o, possiblyRunning(o), 'Deleting') ?? { kind: 'RemoveFinalizer', why: 'Stopped' };
}

/** The first of `pushes` to let go of: a stop, or a release of what an older task also holds. */
function stopFirst<R>(o: Observation<R>, pushes: readonly PossiblyRunning[], why: StopWhy): Decision<R> | undefined {
  const first = pushes[0];
  if (first === undefined) return undefined;
  if ((o.heldByOther ?? []).some((i) => sameIdentity(i, first.push))) return { kind: 'Release', identity: first.push, why };
  return callOrBlocked(first.credentials, { kind: 'Stop', identity: first.push, why });
}

function callOrBlocked<R>(credentials: CredentialsCheck, call: Decision<R>): Decision<R> {
  if (credentials.ok) return call;
  return { kind: 'Idle', why: { kind: 'CredentialsUnavailable', reason: credentials.reason, message: credentials.message } };
}
