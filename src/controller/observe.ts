// Turns an RtmpPushTask as the API server returned it (nothing about it trusted) into the pure
// Observation that decide() takes, plus what acting on the decision needs (credentials resolved,
// the validated spec). Pure: the caches, the clock and the tenancy and ownership answers are inputs.
import { FINALIZER } from '../api/v1alpha1/constants.js';
import type { StartIntent } from '../api/v1alpha1/intent.js';
import type { RecordedPush, RtmpPushTaskStatus } from '../api/v1alpha1/status.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { validateSpec } from '../api/v1alpha1/validate-spec.js';
import type { RtmpPushTaskSpec } from '../api/v1alpha1/spec.js';
import { formatProblem, type StartRtmpRequest } from '../jocloud/wire.js';
import { credentialsCheck, resolveCredentials, secretRefFor, type ResolvedCredentials, type SecretLookup, type SecretRef } from './credentials.js';
import type { CredentialsCheck, Identity, Observation, SpecCheck } from './decide.js';
import { desiredStartRequest, identityOf, requestHash, type DesiredContext } from './desired-request.js';
import { restartDue } from './destinations.js';
import { isDeleting, lenientSpec, lenientStatus, unsettledIntent } from './read-task.js';

/** Who else claims a vendor identity (see ownership.ts). */
export interface OwnershipView {
  /** Another task that owns `identity` against task `key`, as namespace/name; undefined: none. */
  ownerOf(key: string, identity: Identity): string | undefined;
  /** Of `identities` (recorded by task `key`), those an older task holds too. */
  heldByOlder(key: string, identities: readonly Identity[]): Identity[];
}

/** Whether a task in `namespace` may use `appid` with the credentials in `ref` (tenancy). */
export type PermissionCheck = (namespace: string, appid: string, ref: SecretRef | undefined, usesDefault: boolean) => CredentialsCheck;

export interface ObserveContext extends DesiredContext {
  readonly defaultCredentials?: SecretRef | undefined;
  readonly getSecret: SecretLookup;
  readonly now: Date;
  readonly permission?: PermissionCheck | undefined;
  readonly ownership?: OwnershipView | undefined;
}

export interface Observed {
  readonly observation: Observation<StartRtmpRequest>;
  readonly status: RtmpPushTaskStatus;
  /** The validated spec, when valid. */
  readonly spec: RtmpPushTaskSpec | undefined;
  /** The CDN addresses the spec lists (read leniently even from an invalid spec). */
  readonly rtmpurls: string[];
  /** When a pending restart's backoff ends, for a requeue. */
  readonly restartAt: Date | undefined;
  /** The credentials the spec names now, resolved. */
  readonly credentials: ResolvedCredentials;
  readonly intent: StartIntent | undefined;
  /** The credentials to stop `push` with: those recorded with it, else the current ones. */
  credentialsFor(push: RecordedPush): ResolvedCredentials;
}

export function taskKeyOf(task: Pick<UnvalidatedRtmpPushTask, 'metadata'>): string {
  return `${task.metadata.namespace ?? ''}/${task.metadata.name ?? ''}`;
}

export function observe(task: UnvalidatedRtmpPushTask, ctx: ObserveContext): Observed {
  const key = taskKeyOf(task);
  const namespace = task.metadata.namespace ?? '';
  const status = lenientStatus(task.status);
  const loose = lenientSpec(task.spec);
  const ref = secretRefFor(namespace, loose.credentialsSecretName, ctx.defaultCredentials);
  const credentials = resolveCredentials(ref, ctx.getSecret);
  const credentialsFor = (push: RecordedPush): ResolvedCredentials =>
    push.credentialsSecretRef === undefined ? credentials : resolveCredentials(push.credentialsSecretRef, ctx.getSecret);

  const checked = validateSpec(task.spec, { defaultAppid: ctx.defaultAppid });
  let desired: SpecCheck<StartRtmpRequest>;
  let spec: RtmpPushTaskSpec | undefined;
  if (checked.ok) {
    spec = checked.spec;
    const request = desiredStartRequest({ metadata: task.metadata, spec: checked.spec }, ctx);
    desired = { ok: true, push: { request, hash: requestHash(request), identity: identityOf(request) } };
  } else {
    desired = { ok: false, message: checked.problems.map(formatProblem).join('; ') };
  }
  const rtmpurls = spec?.rtmpurls ?? loose.rtmpurls;
  const restart = restartDue(status.destinations ?? [], rtmpurls, status.lastStartTime, status.restarts ?? 0, ctx.now);
  const intent = unsettledIntent(task, status);
  const recorded = [status.active, intent].filter((p): p is RecordedPush => p !== undefined);
  const desiredIdentity = desired.ok ? desired.push.identity : undefined;
  const usesDefault = loose.credentialsSecretName === undefined;

  const observation: Observation<StartRtmpRequest> = {
    deleting: isDeleting(task),
    hasFinalizer: (task.metadata.finalizers ?? []).includes(FINALIZER),
    deletionPolicy: spec?.deletionPolicy ?? loose.deletionPolicy,
    suspend: spec?.suspend ?? loose.suspend,
    desired,
    credentials: credentialsCheck(credentials),
    ...(status.active?.credentialsSecretRef !== undefined ? { activeCredentials: credentialsCheck(credentialsFor(status.active)) } : {}),
    ...(intent?.credentialsSecretRef !== undefined ? { intentCredentials: credentialsCheck(credentialsFor(intent)) } : {}),
    active: status.active,
    intent,
    acceptedHash: status.requestHash,
    rejectedHash: status.rejectedRequestHash,
    restartDue: restart.due,
    ...(ctx.permission !== undefined && desiredIdentity !== undefined
      ? { permission: ctx.permission(namespace, desiredIdentity.appid, ref, usesDefault) }
      : {}),
    ...(ctx.ownership !== undefined && desiredIdentity !== undefined ? { owner: ctx.ownership.ownerOf(key, desiredIdentity) } : {}),
    ...(ctx.ownership !== undefined && recorded.length > 0 ? { heldByOther: ctx.ownership.heldByOlder(key, recorded) } : {}),
  };
  return { observation, status, spec, rtmpurls, restartAt: restart.retryAt, credentials, intent, credentialsFor };
}
