// The emulator's memory of active push tasks, as the vendor page describes them. Pure: no I/O and no
// clock of its own, so every rule is unit-tested directly. Mixed pushes are keyed by
// appid/roomid/taskid, source pushes by appid/roomid/uid; a start on an existing key is an update
// whose address list replaces the old one in full ("full mode").
import { splitRtmpUrls } from './rtmp-address.js';

export type TaskKind = 'mixed' | 'source';

/** The fields of a stoprtmp request the store needs: a task's identity. */
export interface StopInput {
  readonly appid: bigint;
  readonly roomid: string;
  readonly streamtype: number;
  readonly taskid?: string | undefined;
  readonly uid?: string | undefined;
}

/** The fields of a startrtmp request the store needs (the wire type is assignable to it). */
export interface StartInput extends StopInput {
  readonly rtmpurl: string;
}

export interface ActiveTask {
  readonly key: string;
  readonly kind: TaskKind;
  readonly appid: bigint;
  readonly roomid: string;
  readonly taskid: string | undefined;
  readonly uid: string | undefined;
  /**
   * The `taskid` callbacks carry. Mixed: the task's taskid. Source pushes have none on the page, so
   * the request's taskid if it sent one, else "" (receivers match source pushes by appid+roomid+url).
   */
  readonly callbackTaskid: string;
  /** Push addresses in request order, including terminated ones still listed by the last start. */
  readonly addresses: readonly string[];
  /** Addresses the vendor has reported as terminated (3003) while the task itself lives on. */
  readonly terminated: ReadonlySet<string>;
  readonly request: StartInput;
  readonly startedAt: Date;
  readonly updatedAt: Date;
  readonly updateCount: number;
}

export interface StartOutcome {
  readonly task: ActiveTask;
  readonly created: boolean;
  /** New addresses (or terminated ones listed again): each gets a fresh push. */
  readonly started: readonly string[];
  /** Addresses missing from the new list: stopped, 3003. */
  readonly removed: readonly string[];
}

export interface StopOutcome {
  readonly task: ActiveTask;
  /** Addresses that were still pushing: each gets a 3003. */
  readonly stopped: readonly string[];
}

export interface AddressRef {
  readonly task: ActiveTask;
  readonly url: string;
}

export function taskKind(streamtype: number): TaskKind {
  return streamtype === 1 ? 'mixed' : 'source';
}

export function taskKey(req: { appid: bigint; roomid: string; streamtype: number; taskid?: string | undefined; uid?: string | undefined }): string {
  const kind = taskKind(req.streamtype);
  return JSON.stringify([kind, req.appid.toString(), req.roomid, kind === 'mixed' ? (req.taskid ?? '') : (req.uid ?? '')]);
}

export class TaskStore {
  private readonly tasks = new Map<string, ActiveTask>();

  start(req: StartInput, now: Date): StartOutcome {
    const key = taskKey(req);
    const addresses = splitRtmpUrls(req.rtmpurl);
    const previous = this.tasks.get(key);
    const kind = taskKind(req.streamtype);
    const task: ActiveTask = {
      key,
      kind,
      appid: req.appid,
      roomid: req.roomid,
      taskid: req.taskid,
      uid: req.uid,
      callbackTaskid: req.taskid ?? '',
      addresses,
      // A terminated address listed again is pushed afresh; one not listed is gone: none stay terminated.
      terminated: new Set(),
      request: req,
      startedAt: previous?.startedAt ?? now,
      updatedAt: now,
      updateCount: previous === undefined ? 0 : previous.updateCount + 1,
    };
    this.tasks.set(key, task);
    if (previous === undefined) return { task, created: true, started: addresses, removed: [] };
    const stillPushing = (u: string): boolean => previous.addresses.includes(u) && !previous.terminated.has(u);
    return {
      task,
      created: false,
      started: addresses.filter((u) => !stillPushing(u)),
      removed: previous.addresses.filter((u) => !addresses.includes(u) && !previous.terminated.has(u)),
    };
  }

  /** Undefined when no such task is active (the vendor's "task not found"). */
  stop(req: StopInput): StopOutcome | undefined {
    const key = taskKey(req);
    const task = this.tasks.get(key);
    if (task === undefined) return undefined;
    this.tasks.delete(key);
    return { task, stopped: task.addresses.filter((u) => !task.terminated.has(u)) };
  }

  /** Marks an address terminated in every task pushing to it; returns those it was live in. */
  terminate(url: string): AddressRef[] {
    const affected: AddressRef[] = [];
    for (const [key, task] of this.tasks) {
      if (!task.addresses.includes(url) || task.terminated.has(url)) continue;
      const updated: ActiveTask = { ...task, terminated: new Set([...task.terminated, url]) };
      this.tasks.set(key, updated);
      affected.push({ task: updated, url });
    }
    return affected;
  }

  /** Every address still pushing, task by task in start order. */
  liveAddresses(): AddressRef[] {
    const refs: AddressRef[] = [];
    for (const task of this.tasks.values()) {
      for (const url of task.addresses) if (!task.terminated.has(url)) refs.push({ task, url });
    }
    return refs;
  }

  find(req: { appid: bigint; roomid: string; streamtype: number; taskid?: string | undefined; uid?: string | undefined }): ActiveTask | undefined {
    return this.tasks.get(taskKey(req));
  }

  list(): ActiveTask[] {
    return [...this.tasks.values()];
  }

  reset(): void {
    this.tasks.clear();
  }
}
