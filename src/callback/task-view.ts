// What the callback side reads from an RtmpPushTask, through the lenient readers in
// controller/read-task.ts: a task whose mixconfig is invalid may still be pushing under
// status.active, and its callbacks must still land.
import type { RecordedPush } from '../api/v1alpha1/status.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { derivedTaskid } from '../controller/desired-request.js';
import type { Destination } from '../controller/destinations.js';
import { isDeleting, lenientSpec, lenientStatus, unsettledIntent } from '../controller/read-task.js';
import type { Condition } from '../runtime/conditions.js';

/** A vendor push identity as the index keys it: appid as canonical decimal digits. */
export interface CallbackIdentity {
  readonly appid: string;
  readonly roomid: string;
  readonly streamtype: 1 | 2;
  /** Mixed pushes: every taskid this task may be pushing under (spec, derived, status, active). */
  readonly taskids: readonly string[];
  /** What may be running for this task (status.active, an unsettled start intent), not only what its spec declares. */
  readonly held: boolean;
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
  /** status.active itself. */
  readonly activeIdentity: RecordedPush | undefined;
  readonly restarts: number | undefined;
  /** status.lastStartTime: a 3003 after it is a new termination. */
  readonly lastStartTime: string | undefined;
  readonly observedGeneration: number | undefined;
  readonly destinations: readonly Destination[];
  readonly conditions: readonly Condition[];
}

export interface ViewContext {
  /** The operator's --default-appid, for specs without appid. */
  readonly defaultAppid?: string | undefined;
  /** The installation's --taskid-prefix, for derived taskids. */
  readonly taskidPrefix?: string | undefined;
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

export function callbackView(task: UnvalidatedRtmpPushTask, ctx: ViewContext = {}): CallbackView {
  const spec = lenientSpec(task.spec);
  const status = lenientStatus(task.status);
  const identities: CallbackIdentity[] = [];

  const desiredAppid = canonicalAppid(spec.appid ?? ctx.defaultAppid);
  if (desiredAppid !== undefined && spec.roomid !== undefined && spec.streamtype !== undefined) {
    const taskids =
      spec.streamtype === 1
        ? unique([spec.taskid ?? derivedTaskid(task.metadata.namespace ?? 'default', task.metadata.name ?? '', ctx.taskidPrefix ?? ''), status.taskid])
        : [];
    identities.push({ appid: desiredAppid, roomid: spec.roomid, streamtype: spec.streamtype, taskids, held: false });
  }
  // What may be running: the confirmed push, and a start whose answer has not arrived yet.
  for (const running of [status.active, unsettledIntent(task, status)]) {
    const appid = canonicalAppid(running?.appid);
    if (running === undefined || appid === undefined) continue;
    identities.push({ appid, roomid: running.roomid, streamtype: running.streamtype, taskids: running.streamtype === 1 ? unique([running.taskid]) : [], held: true });
  }

  return {
    key: taskKey(task),
    generation: task.metadata.generation,
    resourceVersion: task.metadata.resourceVersion,
    deleting: isDeleting(task),
    suspend: spec.suspend,
    rtmpurls: spec.rtmpurls,
    identities,
    active: status.active !== undefined,
    activeIdentity: status.active,
    restarts: status.restarts,
    lastStartTime: status.lastStartTime,
    observedGeneration: status.observedGeneration,
    destinations: status.destinations ?? [],
    conditions: status.conditions ?? [],
  };
}

function unique(values: ReadonlyArray<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
}
