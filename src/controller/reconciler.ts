// One reconcile of one RtmpPushTask, as kube-rs structures it: observe (observe.ts) → decide (the
// pure decide.ts) → act (the vendor call and the writes that record it, vendor-actions.ts), until
// nothing is left to do. Each write returns the object the next step observes, so a step never
// decides on a state its own previous step has already changed. Failures are recorded in one way
// (failures.ts); reasons come from one catalogue (reasons.ts).
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { StartRtmpRequest } from '../jocloud/wire.js';
import type { Logger } from '../observability/logger.js';
import type { SecretLookup, SecretRef } from './credentials.js';
import { decide, describeIdentity, type Decision } from './decide.js';
import type { PushTaskClient } from './external.js';
import { idle } from './idle.js';
import { observe, type Observed, type OwnershipView, type PermissionCheck } from './observe.js';
import type { EventSink } from './events.js';
import type { TaskWrites } from './task-writes.js';
import { release, settle, start, stop, type ActContext, type Outcome } from './vendor-actions.js';

export { RetryLater } from './task-writes.js';

export interface ReconcilerOptions {
  readonly defaultAppid?: string | undefined;
  /** --taskid-prefix, for derived taskids. */
  readonly taskidPrefix?: string | undefined;
  readonly defaultCredentials?: SecretRef | undefined;
  /** Whether push-status callbacks are received; without them Ready is Synced alone. */
  readonly callbacksEnabled: boolean;
  /** Streaming turns Unknown after this long without a callback (--callback-stale-after). */
  readonly staleAfterMs: number;
  /** How often rejected credentials (and a refused endpoint) are retried; a Secret change retries at once. */
  readonly credentialsRetryMs?: number;
  /** After terminal stop failures for this long during deletion, say loudly how to let go. */
  readonly deletionBlockedAfterMs?: number;
  readonly now?: () => Date;
}

/** Keeps the in-use finalizer on a namespace-local credentials Secret before a push starts with it. */
export interface SecretProtection {
  ensure(ref: SecretRef, taskNamespace: string, signal: AbortSignal): Promise<void>;
}

/** Observation points for tests and metrics: what was decided, step by step. */
export interface ReconcilerHooks {
  readonly decided?: (key: string, decision: Decision<StartRtmpRequest>, step: number) => void;
}

export interface ReconcilerDeps {
  readonly getTask: (namespace: string, name: string) => UnvalidatedRtmpPushTask | undefined;
  readonly getSecret: SecretLookup;
  readonly writes: TaskWrites;
  readonly vendor: PushTaskClient<StartRtmpRequest>;
  readonly events: EventSink;
  readonly logger: Logger;
  readonly ownership?: OwnershipView | undefined;
  readonly permission?: PermissionCheck | undefined;
  readonly secretProtection?: SecretProtection | undefined;
  readonly hooks?: ReconcilerHooks | undefined;
  /**
   * Whether the cache has an answer for this Secret yet (its watch has synced): before that, an
   * absent Secret means "not known yet", and the reconcile waits for the watch to say.
   */
  readonly secretKnown?: ((namespace: string, name: string) => boolean) | undefined;
  /** Ids of start intents; random by default. */
  readonly newIntentId?: () => string;
}

export interface ReconcileResult {
  /** Look again after this long even if nothing changes (staleness, restart backoff, slow retries). */
  readonly requeueAfterMs?: number;
}

const MAX_STEPS = 8;

export class Reconciler {
  private readonly now: () => Date;
  private readonly ctx: Omit<ActContext, 'task' | 'observed' | 'key' | 'log' | 'signal'>;

  constructor(
    private readonly deps: ReconcilerDeps,
    private readonly opts: ReconcilerOptions,
  ) {
    this.now = opts.now ?? ((): Date => new Date());
    this.ctx = {
      deps,
      now: this.now,
      callbacksEnabled: opts.callbacksEnabled,
      credentialsRetryMs: opts.credentialsRetryMs ?? 300_000,
      deletionBlockedAfterMs: opts.deletionBlockedAfterMs ?? 600_000,
      staleAfterMs: opts.staleAfterMs,
    };
  }

  async reconcile(namespace: string, name: string, signal: AbortSignal): Promise<ReconcileResult> {
    const key = `${namespace}/${name}`;
    let task = this.deps.writes.latest(key, this.deps.getTask(namespace, name));
    const log = this.deps.logger.child({ namespace, name });
    for (let step = 0; step < MAX_STEPS && task !== undefined; step++) {
      const observed = this.observe(task);
      const waiting = this.waitingFor(observed);
      if (waiting !== undefined) {
        // The cache that will answer re-queues the task when it does.
        log.debug({ waiting }, 'waiting for a cache');
        return {};
      }
      const decision = decide(observed.observation);
      this.deps.hooks?.decided?.(key, decision, step);
      log.debug({ decision: decision.kind, why: 'why' in decision ? decision.why : undefined, step }, 'decided');
      const outcome = await this.act({ ...this.ctx, task, observed, key, log, signal }, decision);
      if ('done' in outcome) return outcome.done;
      task = outcome.next;
    }
    if (task !== undefined) log.warn({ steps: MAX_STEPS }, 'reconcile did not settle; requeued');
    return task === undefined ? {} : { requeueAfterMs: 1_000 };
  }

  private observe(task: UnvalidatedRtmpPushTask): Observed {
    return observe(task, {
      defaultAppid: this.opts.defaultAppid,
      taskidPrefix: this.opts.taskidPrefix,
      defaultCredentials: this.opts.defaultCredentials,
      getSecret: this.deps.getSecret,
      now: this.now(),
      permission: this.deps.permission,
      ownership: this.deps.ownership,
    });
  }

  /** A cache that has not answered yet for what this task needs (a Secret, its namespace). */
  private waitingFor(observed: Observed): string | undefined {
    const o = observed.observation;
    if (o.permission !== undefined && !o.permission.ok && o.permission.reason === 'NamespaceUnknown') return 'namespace';
    const known = this.deps.secretKnown;
    if (known === undefined) return undefined;
    const unknown = [observed.credentials, ...[o.active, observed.intent].filter((p) => p !== undefined).map((p) => observed.credentialsFor(p))].some(
      (r) => !r.ok && r.reason === 'SecretNotFound' && r.ref !== undefined && !known(r.ref.namespace, r.ref.name),
    );
    return unknown ? 'secret' : undefined;
  }

  private async act(c: ActContext, d: Decision<StartRtmpRequest>): Promise<Outcome> {
    switch (d.kind) {
      case 'AddFinalizer':
        return { next: await c.deps.writes.setFinalizer(c.task, true, c.signal) };
      case 'RemoveFinalizer':
        return removeFinalizer(c, d.why);
      case 'Stop':
        return stop(c, d.identity, d.why);
      case 'Release':
        return release(c, d.identity, d.why);
      case 'Settle':
        return settle(c, d.intentId);
      case 'Start':
        return start(c, d);
      case 'Idle':
        return { done: await idle(c, d.why) };
    }
  }
}

async function removeFinalizer(c: ActContext, why: 'Stopped' | 'Orphaned'): Promise<Outcome> {
  if (why === 'Orphaned') {
    const active = c.observed.status.active;
    c.deps.events.record(
      c.task,
      'Normal',
      'Orphaned',
      active === undefined ? 'deletionPolicy Orphan: nothing was running' : `deletionPolicy Orphan: left ${describeIdentity(active)} running at the vendor`,
    );
  }
  await c.deps.writes.setFinalizer(c.task, false, c.signal);
  c.deps.writes.forget(c.key);
  c.log.info({ why }, 'finalizer removed');
  return { done: {} };
}
