// Reading an RtmpPushTask without trusting it: the one place that does. Objects come from the API
// server and are not guaranteed to pass validateSpec (the CRD cannot carry every cross-field rule,
// status may be edited by hand or written by an older version). Each field is taken on its own
// merits: one bad field must never blind the operator to what may be running at the vendor.
import { START_INTENT_ANNOTATION } from '../api/v1alpha1/constants.js';
import { parseStartIntent, type StartIntent } from '../api/v1alpha1/intent.js';
import { rtmpPushTaskStatusSchema, type Condition, type RtmpPushTaskStatus } from '../api/v1alpha1/status.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The status, each field that fails its schema dropped on its own. */
export function lenientStatus(raw: unknown): RtmpPushTaskStatus {
  const whole = rtmpPushTaskStatusSchema.safeParse(raw ?? {});
  if (whole.success) return whole.data;
  const out: Record<string, unknown> = {};
  const shape = rtmpPushTaskStatusSchema.shape;
  for (const [key, value] of Object.entries(record(raw))) {
    const field = shape[key as keyof typeof shape] as { safeParse(v: unknown): { success: boolean; data?: unknown } } | undefined;
    const r = field?.safeParse(value);
    if (r?.success === true) out[key] = r.data;
    else if (key === 'conditions' && Array.isArray(value)) out[key] = validConditions(value);
  }
  return out;
}

function validConditions(items: readonly unknown[]): Condition[] {
  const one = rtmpPushTaskStatusSchema.shape.conditions.unwrap().element;
  return items.flatMap((item) => {
    const r = one.safeParse(item);
    return r.success ? [r.data] : [];
  });
}

/** The spec fields read even from a spec that fails validation. */
export interface LenientSpec {
  readonly appid: string | undefined;
  readonly roomid: string | undefined;
  readonly streamtype: 1 | 2 | undefined;
  readonly taskid: string | undefined;
  readonly uid: string | undefined;
  readonly rtmpurls: string[];
  readonly suspend: boolean;
  readonly deletionPolicy: 'Delete' | 'Orphan';
  readonly credentialsSecretName: string | undefined;
}

export function lenientSpec(raw: unknown): LenientSpec {
  const spec = record(raw);
  const ref = record(spec['credentialsSecretRef']);
  const urls = Array.isArray(spec['rtmpurls']) ? spec['rtmpurls'].filter((u): u is string => typeof u === 'string') : [];
  const streamtype = spec['streamtype'];
  return {
    appid: optionalString(spec['appid']),
    roomid: optionalString(spec['roomid']),
    streamtype: streamtype === 1 || streamtype === 2 ? streamtype : undefined,
    taskid: optionalString(spec['taskid']),
    uid: optionalString(spec['uid']),
    rtmpurls: urls,
    suspend: spec['suspend'] === true,
    deletionPolicy: spec['deletionPolicy'] === 'Orphan' ? 'Orphan' : 'Delete',
    credentialsSecretName: optionalString(ref['name']),
  };
}

/** The start intent recorded on the task, settled or not. */
export function startIntentOf(task: Pick<UnvalidatedRtmpPushTask, 'metadata'>): StartIntent | undefined {
  return parseStartIntent(task.metadata.annotations?.[START_INTENT_ANNOTATION]);
}

/** The recorded start intent whose outcome is not known yet: that push may be running. */
export function unsettledIntent(task: Pick<UnvalidatedRtmpPushTask, 'metadata'>, status: RtmpPushTaskStatus): StartIntent | undefined {
  const intent = startIntentOf(task);
  return intent !== undefined && intent.id !== status.settledIntent ? intent : undefined;
}

export function isDeleting(task: Pick<UnvalidatedRtmpPushTask, 'metadata'>): boolean {
  return task.metadata.deletionTimestamp !== undefined && task.metadata.deletionTimestamp !== null;
}

/** A condition of the task as stored, read leniently (for metrics and indexes). */
export function conditionOf(task: UnvalidatedRtmpPushTask, type: string): Condition | undefined {
  return lenientStatus(task.status).conditions?.find((c) => c.type === type);
}
