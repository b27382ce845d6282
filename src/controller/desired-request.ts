// The vendor request a spec implies, and the identity it pushes under. Pure, so the reconciler can
// compare "what the spec wants" with "what the vendor last accepted" (status.requestHash) without a
// vendor call, and an operator restart costs nothing.
import { createHash } from 'node:crypto';
import { startRtmpRequestSchema, type StartRtmpRequest, type StopRtmpRequest } from '../jocloud/wire.js';
import type { RtmpPushTaskSpec } from '../api/v1alpha1/spec.js';
import type { TaskIdentity } from '../api/v1alpha1/status.js';

export interface DesiredContext {
  readonly defaultAppid?: string | undefined;
  /** The installation's --taskid-prefix (see derivedTaskid); empty or undefined: none. */
  readonly taskidPrefix?: string | undefined;
}

export interface TaskRef {
  readonly metadata: { readonly name?: string | undefined; readonly namespace?: string | undefined };
  readonly spec: RtmpPushTaskSpec;
}

/**
 * The taskid of a mixed push whose spec names none: `rpt-` and 20 hex digits of
 * sha256("namespace/name"), after the installation's prefix and a `-` when it has one. Name-based
 * rather than uid-based on purpose: a restore from backup or a GitOps re-creation yields the same
 * vendor task, so it is updated in place instead of a second task pushing to the same CDN
 * addresses. Two clusters on one appid would derive the same taskid for the same namespace/name
 * (and each take over the other's push): the prefix, one per installation, keeps them apart.
 * Without a prefix the result is exactly what it always was, so upgrading moves no running push.
 */
export function derivedTaskid(namespace: string, name: string, prefix = ''): string {
  const hash = `rpt-${createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 20)}`;
  return prefix === '' ? hash : `${prefix}-${hash}`;
}

/** `rpt-` + 20 hex digits. */
const DERIVED_PART_LENGTH = 24;

/**
 * Upper bound on a derived taskid. The vendor page gives taskid no length or character rules
 * (startRtmpRequestSchema asks only for a non-empty string); 64 characters and [A-Za-z0-9_-] are
 * what comparable vendors accept for task ids, travel unescaped in JSON, URLs and logs, and leave
 * a prefix 39 characters.
 */
export const MAX_DERIVED_TASKID_LENGTH = 64;
const PREFIX_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?$/;

/** Why `prefix` cannot start derived taskids, or undefined when it can ('' always can). */
export function taskidPrefixProblem(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  if (!PREFIX_PATTERN.test(prefix)) {
    return `must be letters, digits, "-" and "_", starting and ending with a letter or digit (got ${JSON.stringify(prefix)})`;
  }
  const max = MAX_DERIVED_TASKID_LENGTH - DERIVED_PART_LENGTH - 1;
  if (prefix.length > max) return `must be at most ${max} characters, so that derived taskids stay within ${MAX_DERIVED_TASKID_LENGTH} (got ${prefix.length})`;
  const sample = derivedTaskid('namespace', 'name', prefix);
  const wire = startRtmpRequestSchema.shape.taskid.safeParse(sample);
  if (!wire.success) return `makes taskids the vendor rules refuse (${sample}: ${wire.error.issues[0]?.message ?? 'invalid'})`;
  return undefined;
}

/** The taskid a mixed push uses (spec or derived); undefined for a source push. */
export function taskidFor(task: TaskRef, ctx: DesiredContext = {}): string | undefined {
  if (task.spec.streamtype !== 1) return undefined;
  return task.spec.taskid ?? derivedTaskid(task.metadata.namespace ?? 'default', task.metadata.name ?? '', ctx.taskidPrefix ?? '');
}

/** Assumes a spec that passed validateSpec with the same context. */
export function desiredStartRequest(task: TaskRef, ctx: DesiredContext = {}): StartRtmpRequest {
  const { spec } = task;
  const appid = spec.appid ?? ctx.defaultAppid;
  if (appid === undefined) throw new Error('desiredStartRequest: no appid in the spec and no default appid');
  const common = { appid: BigInt(appid), roomid: spec.roomid, rtmpurl: spec.rtmpurls.join(',') };
  if (spec.streamtype === 2) {
    if (spec.uid === undefined) throw new Error('desiredStartRequest: a source push without uid (spec not validated?)');
    return { ...common, streamtype: 2, uid: spec.uid };
  }
  if (spec.mixconfig === undefined) throw new Error('desiredStartRequest: a mixed push without mixconfig (spec not validated?)');
  const taskid = taskidFor(task, ctx);
  return { ...common, streamtype: 1, ...(taskid !== undefined ? { taskid } : {}), mixconfig: spec.mixconfig };
}

/** Who the vendor is pushing as: mixed pushes by taskid, source pushes by uid. */
export function identityOf(req: StartRtmpRequest | StopRtmpRequest): TaskIdentity {
  const base = { appid: req.appid.toString(), roomid: req.roomid };
  if (req.streamtype === 1) return { ...base, streamtype: 1, ...(req.taskid !== undefined ? { taskid: req.taskid } : {}) };
  return { ...base, streamtype: 2, ...(req.uid !== undefined ? { uid: req.uid } : {}) };
}

export function stopRequestFor(identity: TaskIdentity): StopRtmpRequest {
  const base = { appid: BigInt(identity.appid), roomid: identity.roomid };
  if (identity.streamtype === 1) return { ...base, streamtype: 1, ...(identity.taskid !== undefined ? { taskid: identity.taskid } : {}) };
  return { ...base, streamtype: 2, ...(identity.uid !== undefined ? { uid: identity.uid } : {}) };
}

/** Same vendor task: the fields stoprtmp takes, ignoring the one that does not apply to the type. */
export function sameIdentity(a: TaskIdentity, b: TaskIdentity): boolean {
  if (BigInt(a.appid) !== BigInt(b.appid) || a.roomid !== b.roomid || a.streamtype !== b.streamtype) return false;
  return a.streamtype === 1 ? a.taskid === b.taskid : a.uid === b.uid;
}

/** sha256 (hex) of the canonical JSON of a request: equal requests hash equal whatever their key order. */
export function requestHash(req: StartRtmpRequest): string {
  return createHash('sha256').update(canonicalJson(req)).digest('hex');
}

/** JSON with object keys sorted, undefined members left out, bigints as their digits. */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`canonicalJson: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v: unknown) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new Error(`canonicalJson: cannot encode a ${typeof value}`);
}
