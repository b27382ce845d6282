// Turns an RtmpPushTask as the API server returned it (nothing about it trusted) into the pure
// Observation that decide() takes. Pure: the Secret lookup result and the clock are inputs.
import { FINALIZER } from '../api/v1alpha1/constants.js';
import { rtmpPushTaskStatusSchema, type RtmpPushTaskStatus } from '../api/v1alpha1/status.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { validateSpec } from '../api/v1alpha1/validate-spec.js';
import type { RtmpPushTaskSpec } from '../api/v1alpha1/spec.js';
import { formatProblem, type StartRtmpRequest } from '../jocloud/wire.js';
import type { CredentialsCheck, Observation, SpecCheck } from './decide.js';
import { desiredStartRequest, identityOf, requestHash } from './desired-request.js';
import { restartDue } from './destinations.js';

export interface ObserveContext {
  readonly defaultAppid?: string | undefined;
  readonly now: Date;
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
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * Status is ours, but it can be edited by hand or written by an older version. Each field that
 * fails its schema is dropped on its own, so one bad field never blinds the operator to `active`
 * (which would leak a running stream).
 */
export function lenientStatus(raw: unknown): RtmpPushTaskStatus {
  const whole = rtmpPushTaskStatusSchema.safeParse(raw ?? {});
  if (whole.success) return whole.data;
  const out: Record<string, unknown> = {};
  const shape = rtmpPushTaskStatusSchema.shape;
  for (const [key, value] of Object.entries(record(raw))) {
    const field = shape[key as keyof typeof shape] as { safeParse(v: unknown): { success: boolean; data?: unknown } } | undefined;
    const r = field?.safeParse(value);
    if (r?.success === true) out[key] = r.data;
  }
  return out;
}

/** spec fields that steer deletion and suspension are read even from a spec that fails validation. */
export function lenientSpec(raw: unknown): { suspend: boolean; deletionPolicy: 'Delete' | 'Orphan'; credentialsSecretName: string | undefined; rtmpurls: string[] } {
  const spec = record(raw);
  const ref = record(spec['credentialsSecretRef']);
  const urls = Array.isArray(spec['rtmpurls']) ? spec['rtmpurls'].filter((u): u is string => typeof u === 'string') : [];
  return {
    suspend: spec['suspend'] === true,
    deletionPolicy: spec['deletionPolicy'] === 'Orphan' ? 'Orphan' : 'Delete',
    credentialsSecretName: typeof ref['name'] === 'string' && ref['name'] !== '' ? ref['name'] : undefined,
    rtmpurls: urls,
  };
}

export function observe(task: UnvalidatedRtmpPushTask, credentials: CredentialsCheck, ctx: ObserveContext): Observed {
  const status = lenientStatus(task.status);
  const loose = lenientSpec(task.spec);
  const checked = validateSpec(task.spec, { defaultAppid: ctx.defaultAppid });
  let desired: SpecCheck<StartRtmpRequest>;
  let spec: RtmpPushTaskSpec | undefined;
  if (checked.ok) {
    spec = checked.spec;
    const request = desiredStartRequest({ metadata: task.metadata, spec: checked.spec }, { defaultAppid: ctx.defaultAppid });
    desired = { ok: true, push: { request, hash: requestHash(request), identity: identityOf(request) } };
  } else {
    desired = { ok: false, message: checked.problems.map(formatProblem).join('; ') };
  }
  const rtmpurls = spec?.rtmpurls ?? loose.rtmpurls;
  const restart = restartDue(status.destinations ?? [], rtmpurls, status.lastStartTime, status.restarts ?? 0, ctx.now);
  return {
    observation: {
      deleting: task.metadata.deletionTimestamp !== undefined && task.metadata.deletionTimestamp !== null,
      hasFinalizer: (task.metadata.finalizers ?? []).includes(FINALIZER),
      deletionPolicy: spec?.deletionPolicy ?? loose.deletionPolicy,
      suspend: spec?.suspend ?? loose.suspend,
      desired,
      credentials,
      active: status.active,
      acceptedHash: status.requestHash,
      rejectedHash: status.rejectedRequestHash,
      restartDue: restart.due,
    },
    status,
    spec,
    rtmpurls,
    restartAt: restart.retryAt,
  };
}
