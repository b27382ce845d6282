// Which RtmpPushTask a push-status callback is about, answered from memory. The index is fed by the
// task informer (upsert on add/update, remove on delete), so a callback never costs a list call,
// and a replica that is not the leader answers as well as the leader does.
//
// Keys, following what the vendor's callbacks can be trusted to carry:
// - mixed pushes (streamtype 1): appid + roomid + taskid; the taskid is the vendor task's key.
// - source pushes (streamtype 2): appid + roomid + CDN address. The page documents no taskid for a
//   source push (what arrives there is whatever the start request happened to send, often ""),
//   so the address decides: exact first, then ignoring the query string, because the vendor may
//   report an address with its auth_key stripped or refreshed.
// Each task is indexed under both its desired identity (spec) and the ones the vendor may run
// (status.active, an unsettled start intent), so callbacks that arrive between a start and the
// status write that records it, or after a spec edit but before the restart, still find their task.
// When some task holds an identity (active or intent), its reports go to the holders only: another
// task that merely declares the same key (refused with IdentityConflict, say a copy of the owner in
// another namespace) must not show the owner's push as its own.
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { callbackView, canonicalAppid, taskKey, type ViewContext } from './task-view.js';

/** The fields of a callback that identify its task. */
export interface CallbackAddress {
  readonly appid: bigint;
  readonly roomid: string;
  readonly taskid: string;
  readonly url: string;
}

/** An address without its query string or fragment. */
export function withoutQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut < 0 ? url : url.slice(0, cut);
}

// JSON arrays as map keys: unambiguous whatever characters a room id, taskid or address holds.
const mixedKey = (appid: string, roomid: string, taskid: string): string => JSON.stringify(['mixed', appid, roomid, taskid]);
const sourceKey = (appid: string, roomid: string, url: string): string => JSON.stringify(['source', appid, roomid, url]);
const sourceLooseKey = (appid: string, roomid: string, url: string): string =>
  JSON.stringify(['source-no-query', appid, roomid, withoutQuery(url)]);

export class TaskIndex {
  /** Every task under every key it declares or holds. */
  private readonly entries = new Map<string, Set<string>>();
  /** The tasks under the keys they hold (may be running). */
  private readonly holders = new Map<string, Set<string>>();
  private readonly byTask = new Map<string, { readonly all: readonly string[]; readonly held: readonly string[] }>();

  constructor(private readonly ctx: ViewContext = {}) {}

  /** Indexes `task` (replacing what was indexed for it before). */
  upsert(task: UnvalidatedRtmpPushTask): void {
    const view = callbackView(task, this.ctx);
    const keys = new Set<string>();
    const held = new Set<string>();
    for (const id of view.identities) {
      const idKeys =
        id.streamtype === 1
          ? id.taskids.map((taskid) => mixedKey(id.appid, id.roomid, taskid))
          : view.rtmpurls.flatMap((url) => [sourceKey(id.appid, id.roomid, url), sourceLooseKey(id.appid, id.roomid, url)]);
      for (const k of idKeys) {
        keys.add(k);
        if (id.held) held.add(k);
      }
    }
    this.removeKey(view.key);
    for (const k of keys) addTo(this.entries, k, view.key);
    for (const k of held) addTo(this.holders, k, view.key);
    this.byTask.set(view.key, { all: [...keys], held: [...held] });
  }

  remove(task: Pick<UnvalidatedRtmpPushTask, 'metadata'>): void {
    this.removeKey(taskKey(task));
  }

  /**
   * The `namespace/name` keys of the tasks a callback is about, sorted; empty when none is.
   * Normally one: the task that holds the vendor identity; when none holds it, every task that
   * declares it (two such objects both get the report).
   */
  lookup(cb: CallbackAddress): string[] {
    const appid = canonicalAppid(cb.appid);
    if (appid === undefined) return [];
    const tiers =
      cb.taskid !== ''
        ? [mixedKey(appid, cb.roomid, cb.taskid), sourceKey(appid, cb.roomid, cb.url), sourceLooseKey(appid, cb.roomid, cb.url)]
        : [sourceKey(appid, cb.roomid, cb.url), sourceLooseKey(appid, cb.roomid, cb.url)];
    for (const k of tiers) {
      const owners = this.holders.get(k) ?? this.entries.get(k);
      if (owners !== undefined && owners.size > 0) return [...owners].sort();
    }
    return [];
  }

  /** Number of indexed tasks. */
  get size(): number {
    return this.byTask.size;
  }

  private removeKey(key: string): void {
    const old = this.byTask.get(key);
    if (old === undefined) return;
    for (const k of old.all) removeFrom(this.entries, k, key);
    for (const k of old.held) removeFrom(this.holders, k, key);
    this.byTask.delete(key);
  }
}

function addTo(map: Map<string, Set<string>>, k: string, task: string): void {
  let owners = map.get(k);
  if (owners === undefined) {
    owners = new Set();
    map.set(k, owners);
  }
  owners.add(task);
}

function removeFrom(map: Map<string, Set<string>>, k: string, task: string): void {
  const owners = map.get(k);
  owners?.delete(task);
  if (owners?.size === 0) map.delete(k);
}
