// Who owns a vendor identity. The vendor keys a mixed push by appid + roomid + taskid and a source
// push by appid + roomid + uid, and a startrtmp for an existing key replaces the running task, so
// two RtmpPushTasks naming one key would hijack each other. The rule:
// - the task that holds an identity (status.active, or an unsettled start intent) owns it;
// - among tasks that only claim it, the oldest (creationTimestamp, then uid) wins: the same answer
//   on every replica and after every restart, because it is computed from the watch cache and
//   never from memory of who came first;
// - a task that may not run at all (its namespace is not permitted this appid or the default
//   credentials) claims nothing: otherwise any tenant could squat another team's taskid;
// - a task that lets go (deleted, suspended, moved to another identity) frees it, and the tasks
//   waiting for it are queued again.
// Fed by the task informer's events, so a reconcile asks in O(1) instead of scanning every task.
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { Identity } from './decide.js';
import { derivedTaskid, type DesiredContext } from './desired-request.js';
import type { OwnershipView } from './observe.js';
import { isDeleting, lenientSpec, lenientStatus, unsettledIntent } from './read-task.js';

/** appid (canonical digits) / roomid / t:taskid or u:uid. */
export function identityKey(i: Identity): string {
  let appid = i.appid;
  try {
    appid = BigInt(i.appid).toString();
  } catch {
    // Not a number: keep the text; it can only collide with itself.
  }
  return `${appid}/${i.roomid}/${i.streamtype === 1 ? `t:${i.taskid ?? ''}` : `u:${i.uid ?? ''}`}`;
}

interface Entry {
  readonly key: string;
  readonly created: string;
  readonly uid: string;
  readonly held: ReadonlySet<string>;
  /** The identity the spec declares, when the task wants it running. */
  readonly claims: string | undefined;
}

function olderThan(a: Entry, b: Entry): boolean {
  if (a.created !== b.created) return a.created < b.created;
  return a.uid < b.uid;
}

/**
 * Whether a task in `namespace` may push under `appid` at all (tenancy); false only when it surely
 * may not, so a namespace the cache has not seen yet keeps its claim until it has.
 */
export type ClaimCheck = (namespace: string, appid: string, usesDefaultCredentials: boolean) => boolean;

export class IdentityOwnership implements OwnershipView {
  private readonly entries = new Map<string, Entry>();
  private readonly holders = new Map<string, Set<string>>();
  private readonly claimants = new Map<string, Set<string>>();

  /** `onReleased` gets the tasks waiting for identities someone let go of (requeue them). */
  constructor(
    private readonly ctx: DesiredContext,
    private readonly onReleased: (taskKeys: readonly string[]) => void = () => undefined,
    private readonly mayClaim: ClaimCheck = () => true,
  ) {}

  /** Informer add/update. */
  readonly upsert = (task: UnvalidatedRtmpPushTask): void => {
    const next = this.entryOf(task);
    const before = this.entries.get(next.key);
    this.remove(before);
    this.entries.set(next.key, next);
    for (const id of next.held) addTo(this.holders, id, next.key);
    if (next.claims !== undefined) addTo(this.claimants, next.claims, next.key);
    if (before !== undefined) this.notifyReleased(before, next);
  };

  /** Informer delete. */
  readonly delete = (task: UnvalidatedRtmpPushTask): void => {
    const key = `${task.metadata.namespace ?? ''}/${task.metadata.name ?? ''}`;
    const before = this.entries.get(key);
    this.remove(before);
    this.entries.delete(key);
    if (before !== undefined) this.notifyReleased(before, undefined);
  };

  ownerOf(key: string, identity: Identity): string | undefined {
    const id = identityKey(identity);
    const self = this.entries.get(key);
    const holders = [...(this.holders.get(id) ?? [])].filter((k) => k !== key).map((k) => this.entries.get(k)).filter((e): e is Entry => e !== undefined);
    if (holders.length > 0) {
      // Held by us too (state from before this rule): the older holder owns it.
      if (self !== undefined && self.held.has(id) && holders.every((h) => olderThan(self, h))) return undefined;
      return oldest(holders).key;
    }
    // Held by us alone: ours, whoever else claims it. Claimants' age only decides among claimants;
    // otherwise an older task resumed from suspend (or one created in the same second with a
    // smaller uid) would leave the running push marked IdentityConflict, and itself too.
    if (self?.held.has(id) === true) return undefined;
    const rivals = [...(this.claimants.get(id) ?? [])].filter((k) => k !== key).map((k) => this.entries.get(k)).filter((e): e is Entry => e !== undefined);
    if (rivals.length === 0 || self === undefined) return undefined;
    const winner = oldest([self, ...rivals]);
    return winner.key === key ? undefined : winner.key;
  }

  heldByOlder(key: string, identities: readonly Identity[]): Identity[] {
    const self = this.entries.get(key);
    if (self === undefined) return [];
    return identities.filter((i) =>
      [...(this.holders.get(identityKey(i)) ?? [])].some((k) => {
        const other = this.entries.get(k);
        return k !== key && other !== undefined && olderThan(other, self);
      }),
    );
  }

  private entryOf(task: UnvalidatedRtmpPushTask): Entry {
    const namespace = task.metadata.namespace ?? '';
    const name = task.metadata.name ?? '';
    const status = lenientStatus(task.status);
    const held = new Set<string>();
    if (status.active !== undefined) held.add(identityKey(status.active));
    const intent = unsettledIntent(task, status);
    if (intent !== undefined) held.add(identityKey(intent));
    const spec = lenientSpec(task.spec);
    let claims: string | undefined;
    const appid = spec.appid ?? this.ctx.defaultAppid;
    if (
      !isDeleting(task) &&
      !spec.suspend &&
      appid !== undefined &&
      spec.roomid !== undefined &&
      spec.streamtype !== undefined &&
      this.mayClaim(namespace, appid, spec.credentialsSecretName === undefined)
    ) {
      const identity: Identity =
        spec.streamtype === 1
          ? { appid, roomid: spec.roomid, streamtype: 1, taskid: spec.taskid ?? derivedTaskid(namespace, name, this.ctx.taskidPrefix ?? '') }
          : { appid, roomid: spec.roomid, streamtype: 2, ...(spec.uid !== undefined ? { uid: spec.uid } : {}) };
      claims = identityKey(identity);
    }
    return { key: `${namespace}/${name}`, created: task.metadata.creationTimestamp ?? '', uid: task.metadata.uid ?? '', held, claims };
  }

  private remove(entry: Entry | undefined): void {
    if (entry === undefined) return;
    for (const id of entry.held) removeFrom(this.holders, id, entry.key);
    if (entry.claims !== undefined) removeFrom(this.claimants, entry.claims, entry.key);
  }

  /** Identities `before` held or claimed and `after` no longer does: wake whoever waits for them. */
  private notifyReleased(before: Entry, after: Entry | undefined): void {
    const released = [...before.held, ...(before.claims !== undefined ? [before.claims] : [])].filter(
      (id) => after === undefined || (!after.held.has(id) && after.claims !== id),
    );
    const waiting = new Set<string>();
    for (const id of released) for (const k of this.claimants.get(id) ?? []) if (k !== before.key) waiting.add(k);
    if (waiting.size > 0) this.onReleased([...waiting]);
  }
}

function oldest(entries: readonly Entry[]): Entry {
  return entries.reduce((a, b) => (olderThan(b, a) ? b : a));
}

function addTo(map: Map<string, Set<string>>, id: string, key: string): void {
  let set = map.get(id);
  if (set === undefined) map.set(id, (set = new Set()));
  set.add(key);
}

function removeFrom(map: Map<string, Set<string>>, id: string, key: string): void {
  const set = map.get(id);
  if (set === undefined) return;
  set.delete(key);
  if (set.size === 0) map.delete(id);
}
