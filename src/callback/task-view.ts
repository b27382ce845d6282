// What the callback side reads from an RtmpPushTask, read leniently. The informer hands over objects
// the API server stored, which are not guaranteed to pass validateSpec (the CRD cannot carry every
// cross-field rule). A task whose mixconfig is invalid may still be pushing under status.active,
// and its callbacks must still land, so each field is taken on its own merits instead of failing
// the whole object.
import { z } from 'zod';
import { conditionSchema, destinationSchema, taskIdentitySchema } from '../api/v1alpha1/status.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { derivedTaskid } from '../controller/desired-request.js';
import type { Destination } from '../controller/destinations.js';
import type { Condition } from '../runtime/conditions.js';

/** A vendor push identity as the index keys it: appid as canonical decimal digits. */
export interface CallbackIdentity {
  readonly appid: string;
  readonly roomid: string;
  readonly streamtype: 1 | 2;
  /** Mixed pushes: every taskid this task may be pushing under (spec, derived, status, active). */
  readonly taskids: readonly string[];
}

export interface CallbackView {
  readonly key: string;
  readonly generation: number | undefined;
  readonly resourceVersion: string | undefined;
  readonly deleting: boolean;
  readonly suspend: boolean;
  /** spec.rtmpurls, raw (with their auth_key): only compared, never logged. */
  readonly rtmpurls: readonly string[];
  /** Identities to index: the desired one (spec) and the running one (status.active). */
  readonly identities: readonly CallbackIdentity[];
  readonly active: boolean;
  readonly observedGeneration: number | undefined;
  readonly destinations: readonly Destination[];
  readonly conditions: readonly Condition[];
}

export interface ViewContext {
  /** The operator's --default-appid, for specs without appid. */
  readonly defaultAppid?: string | undefined;
}

/** `namespace/name`, the key the reconciler and the informer cache use. */
export function taskKey(task: Pick<UnvalidatedRtmpPushTask, 'metadata'>): string {
  const ns = task.metadata.namespace ?? '';
  const name = task.metadata.name ?? '';
  return ns !== '' ? `${ns}/${name}` : name;
}

/** Canonical decimal digits of a uint64 given as a string or bigint; undefined if it is not one. */
export function canonicalAppid(value: unknown): string | undefined {
  if (typeof value === 'bigint') return value >= 0n ? value.toString() : undefined;
  if (typeof value !== 'string' || !/^[0-9]{1,20}$/.test(value)) return undefined;
  return BigInt(value).toString();
}

const specFieldsSchema = z.object({
  appid: z.string().optional().catch(undefined),
  roomid: z.string().min(1).optional().catch(undefined),
  streamtype: z.literal([1, 2]).optional().catch(undefined),
  taskid: z.string().min(1).optional().catch(undefined),
  rtmpurls: z.array(z.string()).catch([]),
  suspend: z.boolean().catch(false),
});

const statusFieldsSchema = z.object({
  observedGeneration: z.int().min(0).optional().catch(undefined),
  taskid: z.string().min(1).optional().catch(undefined),
  active: taskIdentitySchema.optional().catch(undefined),
  destinations: z.array(z.unknown()).catch([]),
  conditions: z.array(z.unknown()).catch([]),
});

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Keeps the well-formed items of an operator-written list; a malformed one is dropped, not fatal. */
function validItems<T>(items: readonly unknown[], schema: z.ZodType<T>): T[] {
  const out: T[] = [];
  for (const item of items) {
    const r = schema.safeParse(item);
    if (r.success) out.push(r.data);
  }
  return out;
}

/** The api Condition has `observedGeneration?: number | undefined`; the runtime one omits the key. */
function toRuntimeCondition(c: z.output<typeof conditionSchema>): Condition {
  const { observedGeneration, ...rest } = c;
  return observedGeneration === undefined ? rest : { ...rest, observedGeneration };
}

export function callbackView(task: UnvalidatedRtmpPushTask, ctx: ViewContext = {}): CallbackView {
  const spec = specFieldsSchema.parse(asRecord(task.spec));
  const status = statusFieldsSchema.parse(asRecord(task.status));
  const identities: CallbackIdentity[] = [];

  const desiredAppid = canonicalAppid(spec.appid ?? ctx.defaultAppid);
  if (desiredAppid !== undefined && spec.roomid !== undefined && spec.streamtype !== undefined) {
    const taskids =
      spec.streamtype === 1
        ? unique([spec.taskid ?? derivedTaskid(task.metadata.namespace ?? 'default', task.metadata.name ?? ''), status.taskid])
        : [];
    identities.push({ appid: desiredAppid, roomid: spec.roomid, streamtype: spec.streamtype, taskids });
  }
  const active = status.active;
  const activeAppid = canonicalAppid(active?.appid);
  if (active !== undefined && activeAppid !== undefined) {
    identities.push({
      appid: activeAppid,
      roomid: active.roomid,
      streamtype: active.streamtype,
      taskids: active.streamtype === 1 ? unique([active.taskid]) : [],
    });
  }

  return {
    key: taskKey(task),
    generation: task.metadata.generation,
    resourceVersion: task.metadata.resourceVersion,
    deleting: task.metadata.deletionTimestamp !== undefined,
    suspend: spec.suspend,
    rtmpurls: spec.rtmpurls,
    identities,
    active: active !== undefined,
    observedGeneration: status.observedGeneration,
    destinations: validItems(status.destinations, destinationSchema),
    conditions: validItems(status.conditions, conditionSchema).map(toRuntimeCondition),
  };
}

function unique(values: ReadonlyArray<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
}
