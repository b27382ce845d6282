// What the chaos run has asked Kubernetes for, task by task, and the next random change to ask.
// Every identity is fresh (a taskid or uid made of the task's name and a counter), so no two tasks
// ever share one and the vendor's active set can be compared with the declared set key by key.
import type { Dice } from './seeded-random.js';

export interface DeclaredSpec {
  readonly roomid: string;
  readonly streamtype: 1 | 2;
  readonly taskid?: string;
  readonly uid?: string;
  readonly rtmpurls: readonly string[];
  readonly suspend: boolean;
}

export type ActionKind = 'create' | 'addresses' | 'identity' | 'room' | 'suspend' | 'resume' | 'delete';

export type Action =
  | { readonly kind: 'create'; readonly name: string; readonly spec: DeclaredSpec }
  | { readonly kind: 'delete'; readonly name: string }
  | { readonly kind: Exclude<ActionKind, 'create' | 'delete'>; readonly name: string; readonly patch: Partial<DeclaredSpec> };

interface Slot {
  spec: DeclaredSpec | undefined;
  /** Deleted by us; the object may still be there (finalizer) until the operator stops the push. */
  deleting: boolean;
}

const ROOMS = ['100', '200', '300'] as const;
const HOSTS = ['cdn-a.example.com', 'cdn-b.example.com', 'cdn-c.example.com'] as const;

/** An audio-only mix on a layout template: the smallest mixconfig the rules accept. */
export const CHAOS_MIXCONFIG = { templateid: 1, output: { streamtype: 2, audiobitrate: 64, audiochannel: 2, audiosample: 44100, audioencode: 1 } };

export class TaskModel {
  readonly names: readonly string[];
  private readonly slots = new Map<string, Slot>();
  private counter = 0;

  constructor(
    private readonly dice: Dice,
    count: number,
  ) {
    this.names = Array.from({ length: count }, (_, i) => `chaos-${String(i).padStart(2, '0')}`);
    for (const name of this.names) this.slots.set(name, { spec: undefined, deleting: false });
  }

  /** The next change: a create where there is nothing (or a deletion may have finished), else a random edit. */
  next(): Action {
    const name = this.dice.pick(this.names);
    const slot = this.slot(name);
    if (slot.spec === undefined) return { kind: 'create', name, spec: this.freshSpec(name) };
    const spec = slot.spec;
    const roll = this.dice.next();
    if (roll < 0.3) return { kind: 'addresses', name, patch: { rtmpurls: this.addresses(name) } };
    if (roll < 0.45) return { kind: 'identity', name, patch: spec.streamtype === 1 ? { taskid: this.id('ct', name) } : { uid: this.id('cu', name) } };
    if (roll < 0.55) return { kind: 'room', name, patch: { roomid: this.dice.pick(ROOMS.filter((r) => r !== spec.roomid)) } };
    if (roll < 0.8) return spec.suspend ? { kind: 'resume', name, patch: { suspend: false } } : { kind: 'suspend', name, patch: { suspend: true } };
    return { kind: 'delete', name };
  }

  /** Records that Kubernetes accepted the action. */
  applied(action: Action): void {
    const slot = this.slot(action.name);
    if (action.kind === 'create') {
      slot.spec = action.spec;
      slot.deleting = false;
    } else if (action.kind === 'delete') {
      slot.spec = undefined;
      slot.deleting = true;
    } else if (slot.spec !== undefined) {
      slot.spec = { ...slot.spec, ...action.patch };
    }
  }

  /** The object is not there (a patch or delete answered 404): the next action creates it. */
  gone(name: string): void {
    const slot = this.slot(name);
    slot.spec = undefined;
    slot.deleting = false;
  }

  private slot(name: string): Slot {
    const slot = this.slots.get(name);
    if (slot === undefined) throw new Error(`no task ${name} in the model`);
    return slot;
  }

  private freshSpec(name: string): DeclaredSpec {
    const base = { roomid: this.dice.pick(ROOMS), rtmpurls: this.addresses(name), suspend: false };
    return this.dice.chance(0.75) ? { ...base, streamtype: 1, taskid: this.id('ct', name) } : { ...base, streamtype: 2, uid: this.id('cu', name) };
  }

  private addresses(name: string): string[] {
    const count = this.dice.int(1, 2);
    return Array.from({ length: count }, () => `rtmp://${this.dice.pick(HOSTS)}/live/${name}-${++this.counter}`);
  }

  private id(prefix: string, name: string): string {
    return `${prefix}-${name}-${++this.counter}`;
  }
}

/** The spec a create sends: the model's fields plus the mixconfig a mixed push needs. */
export function createSpec(spec: DeclaredSpec): Record<string, unknown> {
  return { ...spec, rtmpurls: [...spec.rtmpurls], ...(spec.streamtype === 1 ? { mixconfig: CHAOS_MIXCONFIG } : {}) };
}
