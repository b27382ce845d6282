// What the reconciler should do next, as a pure function of what it observed. All vendor calls,
// Kubernetes writes and clocks live in the reconciler; this file only decides, so every branch of
// the semantics is covered by table tests (decide.test.ts) without any I/O.
//
// The vendor has no "get task" API, so the only record of what the vendor is doing is our own
// status: `active` (the identity last started and not yet stopped) and `requestHash` (the request
// the vendor last accepted). A start is issued only when the desired request differs from that
// record, which is what makes restarts of the operator and status-only changes free of vendor calls.

import type { TaskIdentity } from '../api/v1alpha1/status.js';
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

export type SpecCheck<R> =
  | { readonly ok: true; readonly push: DesiredPush<R> }
  | { readonly ok: false; readonly message: string };

export type CredentialsCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly message: string };

export interface Observation<R> {
  readonly deleting: boolean;
  readonly hasFinalizer: boolean;
  readonly deletionPolicy: 'Delete' | 'Orphan';
  readonly suspend: boolean;
  readonly desired: SpecCheck<R>;
  readonly credentials: CredentialsCheck;
  /** status.active: what the vendor is pushing for this object, as far as we know. */
  readonly active: Identity | undefined;
  /** status.requestHash: the request the vendor last accepted. */
  readonly acceptedHash: string | undefined;
  /** status.rejectedRequestHash: a request the vendor refused as invalid (2101); not retried. */
  readonly rejectedHash: string | undefined;
  /** The vendor reported the running task terminated (3003) unexpectedly and the restart backoff elapsed. */
  readonly restartDue: boolean;
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
  | { readonly kind: 'Gone' };

export type Decision<R> =
  | { readonly kind: 'AddFinalizer' }
  | { readonly kind: 'RemoveFinalizer'; readonly why: 'Stopped' | 'Orphaned' }
  | { readonly kind: 'Stop'; readonly identity: Identity; readonly why: StopWhy }
  | { readonly kind: 'Start'; readonly push: DesiredPush<R>; readonly why: StartWhy }
  | { readonly kind: 'Idle'; readonly why: IdleWhy };

export function decide<R>(o: Observation<R>): Decision<R> {
  if (o.deleting) return decideDeletion(o);
  // The finalizer goes on before the first startrtmp, so a stream can never outlive its object.
  if (!o.hasFinalizer) return { kind: 'AddFinalizer' };

  if (o.suspend) {
    if (o.active === undefined) return { kind: 'Idle', why: { kind: 'Suspended' } };
    return callOrBlocked(o, { kind: 'Stop', identity: o.active, why: 'Suspending' });
  }
  // An invalid spec never reaches the vendor. A push that is already running keeps running: the
  // user's last valid intent stays in force until they fix the spec (or delete the object).
  if (!o.desired.ok) return { kind: 'Idle', why: { kind: 'InvalidSpec', message: o.desired.message } };
  const push = o.desired.push;

  if (o.active !== undefined && !sameIdentity(o.active, push.identity)) {
    // Identity changes cannot be an in-place update: stop the old task first so it never leaks.
    return callOrBlocked(o, { kind: 'Stop', identity: o.active, why: 'IdentityChanged' });
  }
  if (o.active !== undefined && o.acceptedHash === push.hash) {
    if (o.restartDue) return callOrBlocked(o, { kind: 'Start', push, why: 'Restart' });
    return { kind: 'Idle', why: { kind: 'InSync' } };
  }
  if (o.rejectedHash === push.hash) return { kind: 'Idle', why: { kind: 'Rejected' } };
  return callOrBlocked(o, { kind: 'Start', push, why: o.active === undefined ? 'Create' : 'Update' });
}

function decideDeletion<R>(o: Observation<R>): Decision<R> {
  if (!o.hasFinalizer) return { kind: 'Idle', why: { kind: 'Gone' } };
  if (o.deletionPolicy === 'Orphan') return { kind: 'RemoveFinalizer', why: 'Orphaned' };
  if (o.active === undefined) return { kind: 'RemoveFinalizer', why: 'Stopped' };
  return callOrBlocked(o, { kind: 'Stop', identity: o.active, why: 'Deleting' });
}

function callOrBlocked<R>(o: Observation<R>, call: Decision<R>): Decision<R> {
  if (o.credentials.ok) return call;
  return { kind: 'Idle', why: { kind: 'CredentialsUnavailable', reason: o.credentials.reason, message: o.credentials.message } };
}
