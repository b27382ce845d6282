// One reconcile of one RtmpPushTask: observe, decide, act, record. The decision is pure
// (decide.ts); this file is the I/O around it — the vendor call, the finalizer and status writes,
// Events — and the translation of vendor answers into conditions and requeues.
import type { KubernetesObject } from '@kubernetes/client-node';
import { FINALIZER } from '../api/v1alpha1/constants.js';
import type { RtmpPushTaskStatus } from '../api/v1alpha1/status.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { isVendorError, type VendorError } from '../jocloud/errors.js';
import type { StartRtmpRequest } from '../jocloud/wire.js';
import type { Logger } from '../observability/logger.js';
import { redactUrl } from '../observability/redact.js';
import { getCondition, setCondition, type Condition, type ConditionUpdate } from '../runtime/conditions.js';
import type { EventType } from '../runtime/event-recorder.js';
import { httpStatusOf } from '../runtime/kube-client.js';
import { mergePatch } from '../runtime/merge-patch.js';
import { credentialsCheck, resolveCredentials, secretRefFor, type SecretLookup, type SecretRef } from './credentials.js';
import { decide, describeIdentity, type Decision, type IdleWhy } from './decide.js';
import { nextStaleCheck, streamingVerdict } from './destinations.js';
import type { PushTaskClient, VendorCredentials } from './external.js';
import { lenientSpec, lenientStatus, observe } from './observe.js';
import { readyFrom } from './ready.js';
import type { TaskClient } from './task-client.js';

export interface ReconcilerOptions {
  readonly defaultAppid?: string | undefined;
  readonly defaultCredentials?: SecretRef | undefined;
  /** Whether push-status callbacks are received; without them Ready is Synced alone. */
  readonly callbacksEnabled: boolean;
  /** Streaming turns Unknown after this long without a callback (--callback-stale-after). */
  readonly staleAfterMs: number;
  /** How often rejected credentials are retried (a Secret change retries at once). */
  readonly credentialsRetryMs?: number;
  /** After terminal stop failures for this long during deletion, say loudly how to let go. */
  readonly deletionBlockedAfterMs?: number;
  readonly now?: () => Date;
}

export interface ReconcilerDeps {
  readonly getTask: (namespace: string, name: string) => UnvalidatedRtmpPushTask | undefined;
  readonly getSecret: SecretLookup;
  readonly tasks: TaskClient;
  readonly vendor: PushTaskClient<StartRtmpRequest>;
  readonly events: { record(obj: KubernetesObject, type: EventType, reason: string, message: string): Promise<void> };
  readonly logger: Logger;
}

export interface ReconcileResult {
  /** Look again after this long even if nothing changes (staleness, restart backoff, slow retries). */
  readonly requeueAfterMs?: number;
}

/** Thrown to make the work queue retry the key with its per-item exponential backoff. */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
}

/** A vendor 2102 to stoprtmp means there is no such running task: it is as good as stopped. */
function stoppedAlready(err: VendorError): boolean {
  return err.vendorCode === 2102;
}

const MAX_STEPS = 6;

/** Beyond this many versions written on top of an unseen one, fall back to the cache. */
const MAX_REPLACED = 64;

/** The newest version of a task this reconciler wrote, until the watch cache has caught up with it. */
interface Written {
  readonly object: UnvalidatedRtmpPushTask;
  /** resourceVersions this reconciler's writes produced (their watch events bring nothing new). */
  readonly own: Set<string>;
  /** resourceVersions those writes replaced: a cache still holding one of them is behind us. */
  readonly replaced: Set<string>;
}

export class Reconciler {
  private readonly now: () => Date;
  private readonly credentialsRetryMs: number;
  private readonly deletionBlockedAfterMs: number;
  private readonly written = new Map<string, Written>();

  constructor(
    private readonly deps: ReconcilerDeps,
    private readonly opts: ReconcilerOptions,
  ) {
    this.now = opts.now ?? ((): Date => new Date());
    this.credentialsRetryMs = opts.credentialsRetryMs ?? 300_000;
    this.deletionBlockedAfterMs = opts.deletionBlockedAfterMs ?? 600_000;
  }

  /** The Secret a task's credentials come from (also used to index tasks by Secret). */
  secretRefOf(task: UnvalidatedRtmpPushTask): SecretRef | undefined {
    return secretRefFor(task.metadata.namespace ?? '', lenientSpec(task.spec).credentialsSecretName, this.opts.defaultCredentials);
  }

  /**
   * Whether this version of the task is one this reconciler wrote itself. The controller does not
   * queue the watch events of those: the reconcile that wrote them went on from the object the API
   * server returned. Queuing them would also defeat the retry backoff, because every failed vendor
   * call writes status (a new lastTraceId), whose event would run the next attempt at once.
   */
  wroteVersion(namespace: string, name: string, resourceVersion: string | undefined): boolean {
    return resourceVersion !== undefined && this.written.get(taskKey(namespace, name))?.own.has(resourceVersion) === true;
  }

  /**
   * The task as the watch cache has it, unless the cache has not yet seen this reconciler's own last
   * write: then that written version, so that no decision (and no vendor call) is made twice on a
   * status that no longer holds.
   */
  private latest(namespace: string, name: string): UnvalidatedRtmpPushTask | undefined {
    const key = taskKey(namespace, name);
    const cached = this.deps.getTask(namespace, name);
    const written = this.written.get(key);
    if (written === undefined) return cached;
    const rv = cached?.metadata.resourceVersion;
    if (cached !== undefined && rv !== undefined && written.replaced.has(rv)) return written.object;
    // Caught up (or moved on by another writer, or deleted): the cache is current again.
    this.written.delete(key);
    return cached;
  }

  /**
   * Records a write based on version `base`: `after` replaced the versions in `before`. A patch
   * that changed nothing comes back with `base` unchanged: no version of ours, nothing recorded.
   */
  private wrote(base: string, before: readonly (string | undefined)[], after: UnvalidatedRtmpPushTask): UnvalidatedRtmpPushTask {
    const key = taskKey(after.metadata.namespace ?? '', after.metadata.name ?? '');
    const rv = after.metadata.resourceVersion;
    if (rv === base) return after;
    const previous = this.written.get(key);
    if (rv === undefined || (previous !== undefined && previous.replaced.size >= MAX_REPLACED)) {
      this.written.delete(key);
      return after;
    }
    const entry: Written = { object: after, own: previous?.own ?? new Set(), replaced: previous?.replaced ?? new Set() };
    for (const b of before) if (b !== undefined && b !== rv) entry.replaced.add(b);
    entry.own.add(rv);
    this.written.set(key, entry);
    return after;
  }

  async reconcile(namespace: string, name: string, signal: AbortSignal): Promise<ReconcileResult> {
    let task = this.latest(namespace, name);
    const log = this.deps.logger.child({ namespace, name });
    for (let step = 0; step < MAX_STEPS && task !== undefined; step++) {
      const resolved = resolveCredentials(this.secretRefOf(task), this.deps.getSecret);
      const observed = observe(task, credentialsCheck(resolved), { defaultAppid: this.opts.defaultAppid, now: this.now() });
      const decision = decide(observed.observation);
      log.debug({ decision: decision.kind, why: 'why' in decision ? decision.why : undefined, step }, 'decided');
      const credentials = resolved.ok ? resolved.credentials : undefined;
      const outcome = await this.act(task, decision, credentials, observed.restartAt, log, signal);
      if ('done' in outcome) return outcome.done;
      task = outcome.next;
    }
    if (task !== undefined) log.warn({ steps: MAX_STEPS }, 'reconcile did not settle; requeued');
    return task === undefined ? {} : { requeueAfterMs: 1_000 };
  }

  private async act(
    task: UnvalidatedRtmpPushTask,
    d: Decision<StartRtmpRequest>,
    credentials: VendorCredentials | undefined,
    restartAt: Date | undefined,
    log: Logger,
    signal: AbortSignal,
  ): Promise<{ next: UnvalidatedRtmpPushTask | undefined } | { done: ReconcileResult }> {
    switch (d.kind) {
      case 'AddFinalizer':
        return { next: await this.setFinalizers(task, [...(task.metadata.finalizers ?? []), FINALIZER], signal) };
      case 'RemoveFinalizer': {
        if (d.why === 'Orphaned') {
          const active = lenientStatus(task.status).active;
          this.event(task, 'Normal', 'Orphaned', active === undefined ? 'deletionPolicy Orphan: nothing was running' : `deletionPolicy Orphan: left ${describeIdentity(active)} running at the vendor`);
        }
        await this.setFinalizers(task, (task.metadata.finalizers ?? []).filter((f) => f !== FINALIZER), signal);
        log.info({ why: d.why }, 'finalizer removed');
        return { done: {} };
      }
      case 'Stop':
        return this.stop(task, d.identity, d.why, credentials, log, signal);
      case 'Start':
        return this.start(task, d, credentials, log, signal);
      case 'Idle':
        return { done: await this.idle(task, d.why, restartAt, signal) };
    }
  }

  private async start(
    task: UnvalidatedRtmpPushTask,
    d: Extract<Decision<StartRtmpRequest>, { kind: 'Start' }>,
    credentials: VendorCredentials | undefined,
    log: Logger,
    signal: AbortSignal,
  ): Promise<{ next: UnvalidatedRtmpPushTask | undefined } | { done: ReconcileResult }> {
    if (credentials === undefined) throw new Error('decide() chose a vendor call without credentials');
    const who = describeIdentity(d.push.identity);
    try {
      const ack = await this.deps.vendor.start(d.push.request, credentials, signal);
      const now = this.now();
      log.info({ why: d.why, traceId: ack.traceId, identity: d.push.identity }, 'startrtmp accepted');
      const next = await this.writeStatus(task, signal, (s) => ({
        ...s,
        taskid: d.push.identity.taskid,
        active: d.push.identity,
        requestHash: d.push.hash,
        rejectedRequestHash: undefined,
        lastTraceId: ack.traceId,
        lastResponse: { code: ack.code, message: ack.message },
        lastStartTime: toRfc3339Ms(now),
        restarts: d.why === 'Restart' ? (s.restarts ?? 0) + 1 : undefined,
        stopFailingSince: undefined,
      }));
      const reason = d.why === 'Create' ? 'Started' : d.why === 'Update' ? 'Updated' : 'Restarted';
      const what = d.why === 'Restart' ? `the vendor reported the push terminated (3003); started ${who} again` : `startrtmp accepted for ${who}`;
      this.event(task, 'Normal', reason, `${what} (traceId ${ack.traceId})`);
      return { next };
    } catch (err) {
      return this.vendorFailure(task, err, 'startrtmp', who, d.push.hash, log, signal);
    }
  }

  private async stop(
    task: UnvalidatedRtmpPushTask,
    identity: NonNullable<RtmpPushTaskStatus['active']>,
    why: 'Deleting' | 'Suspending' | 'IdentityChanged',
    credentials: VendorCredentials | undefined,
    log: Logger,
    signal: AbortSignal,
  ): Promise<{ next: UnvalidatedRtmpPushTask | undefined } | { done: ReconcileResult }> {
    if (credentials === undefined) throw new Error('decide() chose a vendor call without credentials');
    const who = describeIdentity(identity);
    let ack: { traceId: string; code: number; message: string };
    try {
      ack = await this.deps.vendor.stop(identity, credentials, signal);
    } catch (err) {
      if (!(isVendorError(err) && stoppedAlready(err))) return this.vendorFailure(task, err, 'stoprtmp', who, undefined, log, signal, why === 'Deleting');
      ack = { traceId: err.traceId, code: err.vendorCode ?? 2102, message: 'no such running task: treated as stopped' };
    }
    log.info({ why, traceId: ack.traceId, identity }, 'stoprtmp done');
    const next = await this.writeStatus(task, signal, (s) => ({
      ...s,
      active: undefined,
      requestHash: undefined,
      lastTraceId: ack.traceId,
      lastResponse: { code: ack.code, message: ack.message },
      stopFailingSince: undefined,
      restarts: undefined,
      // The addresses' states belonged to the stopped task; a new start reports afresh.
      destinations: undefined,
    }));
    const reason = why === 'Suspending' ? 'Suspended' : 'Stopped';
    const what = why === 'IdentityChanged' ? `stopped ${who}: the task identity changed, the new one starts next` : `stopped ${who}`;
    this.event(task, 'Normal', reason, `${what} (traceId ${ack.traceId})`);
    return { next };
  }

  /** Turns a failed vendor call into status, an Event and the right kind of retry. */
  private async vendorFailure(
    task: UnvalidatedRtmpPushTask,
    err: unknown,
    endpoint: 'startrtmp' | 'stoprtmp',
    who: string,
    hash: string | undefined,
    log: Logger,
    signal: AbortSignal,
    deleting = false,
  ): Promise<{ done: ReconcileResult }> {
    if (signal.aborted) throw err;
    if (!isVendorError(err)) throw err;
    const now = this.now();
    const code = err.vendorCode !== undefined ? `code ${err.vendorCode}` : err.code;
    const base = `${endpoint} for ${who} failed: ${code}: ${err.message} (traceId ${err.traceId})`;
    log.warn({ endpoint, code: err.code, vendorCode: err.vendorCode, classification: err.classification, traceId: err.traceId }, 'vendor call failed');

    let reason: string;
    let message = base;
    let result: ReconcileResult | 'retry';
    if (err.classification === 'terminal') {
      reason = 'InvalidParameter';
      result = deleting ? { requeueAfterMs: this.credentialsRetryMs } : {};
      if (!deleting) message = `${base}; not retried until the spec changes`;
    } else if (err.classification === 'credentials') {
      reason = 'CredentialsRejected';
      message = `${base}; fix the credentials Secret (retried at once when it changes, else every ${Math.round(this.credentialsRetryMs / 1000)}s)`;
      result = { requeueAfterMs: this.credentialsRetryMs };
    } else {
      reason = err.code;
      message = `${base}; retrying with backoff`;
      result = 'retry';
    }

    let blockedSince: string | undefined;
    await this.writeStatus(task, signal, (s) => {
      blockedSince = deleting && err.classification !== 'retryable' ? (s.stopFailingSince ?? toRfc3339Ms(now)) : s.stopFailingSince;
      return {
        ...s,
        lastTraceId: err.traceId,
        lastResponse: { code: err.vendorCode ?? -1, message: err.message },
        rejectedRequestHash: err.classification === 'terminal' && hash !== undefined ? hash : s.rejectedRequestHash,
        stopFailingSince: blockedSince,
        conditions: this.synced(task, s, { status: 'False', reason: deleting ? 'StopFailing' : reason, message }),
      };
    });
    this.event(task, 'Warning', 'SyncFailed', message);
    if (deleting && blockedSince !== undefined && now.getTime() - Date.parse(blockedSince) >= this.deletionBlockedAfterMs) {
      this.event(
        task,
        'Warning',
        'DeletionBlocked',
        `stoprtmp has failed since ${blockedSince}, so the finalizer stays and the stream is not leaked. To delete anyway, stop the push at the vendor and run: kubectl patch rtmppushtask ${task.metadata.name ?? ''} -n ${task.metadata.namespace ?? ''} --type merge -p '{"spec":{"deletionPolicy":"Orphan"}}'`,
      );
    }
    if (result === 'retry') throw new RetryLater(message);
    return { done: result };
  }

  private async idle(task: UnvalidatedRtmpPushTask, why: IdleWhy, restartAt: Date | undefined, signal: AbortSignal): Promise<ReconcileResult> {
    if (why.kind === 'Gone') return {};
    const written = await this.writeStatus(task, signal, (s) => ({ ...s, conditions: this.synced(task, s, syncedFor(why, s)) }));
    const requeue: number[] = [];
    if (why.kind === 'CredentialsUnavailable') requeue.push(this.credentialsRetryMs);
    if (restartAt !== undefined) requeue.push(restartAt.getTime() - this.now().getTime());
    const status = written === undefined ? undefined : written.status;
    if (this.opts.callbacksEnabled && why.kind === 'InSync' && status !== undefined) {
      const s = status as RtmpPushTaskStatus;
      const stale = nextStaleCheck(lenientSpec(written?.spec).rtmpurls, s.destinations ?? [], this.opts.staleAfterMs);
      if (stale !== undefined) requeue.push(stale.getTime() - this.now().getTime());
    }
    const soonest = requeue.filter((ms) => ms > 0);
    return soonest.length > 0 ? { requeueAfterMs: Math.min(...soonest) } : {};
  }

  private synced(task: UnvalidatedRtmpPushTask, s: RtmpPushTaskStatus, next: Omit<ConditionUpdate, 'type'>): Condition[] {
    return setCondition(s.conditions, { type: 'Synced', ...next }, { observedGeneration: task.metadata.generation ?? 0, now: this.now() });
  }

  /**
   * Applies `mutate` to the task's status, derives Streaming and Ready, and writes only what
   * changed, guarded by resourceVersion. On a conflict (the callback writer got there first) it
   * re-reads the object and applies `mutate` again, so neither writer's fields are lost.
   */
  private async writeStatus(
    task: UnvalidatedRtmpPushTask,
    signal: AbortSignal,
    mutate: (s: RtmpPushTaskStatus) => RtmpPushTaskStatus,
  ): Promise<UnvalidatedRtmpPushTask | undefined> {
    let current: UnvalidatedRtmpPushTask | undefined = task;
    const read: Array<string | undefined> = [];
    for (let attempt = 0; attempt < 5 && current !== undefined; attempt++) {
      read.push(current.metadata.resourceVersion);
      // Only the status is needed here: the spec was validated by the observe() that led here.
      const after = this.derive(current, mutate(lenientStatus(current.status)));
      const patch = mergePatch(current.status ?? {}, after);
      if (patch === undefined) return current;
      const { namespace = '', name = '', resourceVersion = '' } = current.metadata;
      try {
        return this.wrote(resourceVersion, read, await this.deps.tasks.patchStatus(namespace, name, resourceVersion, patch, signal));
      } catch (err) {
        const code = httpStatusOf(err);
        if (code === 404) return undefined;
        if (code !== 409) throw err;
        current = await this.deps.tasks.get(namespace, name, signal);
      }
    }
    if (current === undefined) return undefined;
    throw new RetryLater('status write kept conflicting');
  }

  /** observedGeneration, Streaming and Ready follow from the rest of the status. */
  private derive(task: UnvalidatedRtmpPushTask, s: RtmpPushTaskStatus): RtmpPushTaskStatus {
    const now = this.now();
    const generation = task.metadata.generation ?? 0;
    const loose = lenientSpec(task.spec);
    let conditions = s.conditions ?? [];
    const synced = getCondition(conditions, 'Synced');
    // Conditions derived here describe the spec generation the Synced condition speaks for.
    const ctx = { observedGeneration: synced?.observedGeneration ?? generation, now };
    let restarts = s.restarts;
    if (this.opts.callbacksEnabled) {
      const verdict =
        s.active === undefined
          ? { status: 'False' as const, reason: loose.suspend ? 'Suspended' : 'NotPushing', message: 'no push task is running at the vendor' }
          : streamingVerdict(loose.rtmpurls, s.destinations ?? [], now, this.opts.staleAfterMs);
      conditions = setCondition(conditions, { type: 'Streaming', ...verdict }, ctx);
      if (verdict.status === 'True') restarts = undefined;
    }
    const ready = readyFrom(synced, this.opts.callbacksEnabled ? getCondition(conditions, 'Streaming') : undefined, this.opts.callbacksEnabled);
    conditions = setCondition(conditions, ready, ctx);
    return { ...s, restarts, conditions, observedGeneration: synced?.observedGeneration ?? s.observedGeneration };
  }

  private async setFinalizers(task: UnvalidatedRtmpPushTask, finalizers: string[], signal: AbortSignal): Promise<UnvalidatedRtmpPushTask | undefined> {
    const { namespace = '', name = '', resourceVersion = '' } = task.metadata;
    try {
      return this.wrote(resourceVersion, [resourceVersion], await this.deps.tasks.patchFinalizers(namespace, name, resourceVersion, finalizers, signal));
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      // 409: the object moved on; the queue will bring the newest version back.
      if (httpStatusOf(err) === 409) throw new RetryLater('finalizer update conflicted');
      throw err;
    }
  }

  private event(task: UnvalidatedRtmpPushTask, type: EventType, reason: string, message: string): void {
    void this.deps.events.record(task as unknown as KubernetesObject, type, reason, redactMessage(message));
  }
}

function syncedFor(why: Exclude<IdleWhy, { kind: 'Gone' }>, s: RtmpPushTaskStatus): Omit<ConditionUpdate, 'type'> {
  switch (why.kind) {
    case 'InSync':
      return { status: 'True', reason: 'Synced', message: `the vendor accepted the current request${s.lastTraceId !== undefined ? ` (traceId ${s.lastTraceId})` : ''}` };
    case 'Suspended':
      return { status: 'True', reason: 'Suspended', message: 'spec.suspend is true: the push is stopped' };
    case 'InvalidSpec':
      return { status: 'False', reason: 'InvalidSpec', message: `${why.message}; fix the spec (nothing is sent to the vendor until then)` };
    case 'Rejected': {
      // The failed call that recorded the rejection explained it already (endpoint, traceId): keep
      // that text, so that a later reconcile (an operator restart) does not rewrite the status.
      const current = getCondition(s.conditions, 'Synced');
      if (current?.status === 'False' && current.reason === 'InvalidParameter') return { status: 'False', reason: 'InvalidParameter', message: current.message };
      return {
        status: 'False',
        reason: 'InvalidParameter',
        message: `the vendor rejected this request as invalid (code ${s.lastResponse?.code ?? 2101}: ${s.lastResponse?.message ?? ''}); not retried until the spec changes`,
      };
    }
    case 'CredentialsUnavailable':
      return { status: 'False', reason: why.reason, message: `${why.message}; retried when the Secret changes` };
  }
}

function taskKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Events leave the process: any URL in a message loses its credentials first. */
function redactMessage(message: string): string {
  return message.replace(/rtmps?:\/\/[^\s,;)]+/g, (u) => redactUrl(u));
}

/** Millisecond precision: lastStartTime is compared with callback times within the same second. */
function toRfc3339Ms(d: Date): string {
  return d.toISOString();
}
