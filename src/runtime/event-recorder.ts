// Kubernetes Events for the objects the operator manages, the way client-go's recorder writes
// them: core/v1 Events (what `kubectl describe` lists on every kubectl version), with repeats of
// the same (object, type, reason, message) folded into one Event whose count and lastTimestamp
// are patched, so a task that fails every minute does not flood etcd.
// Recording never throws and never blocks a reconcile: record() only queues. One writer sends the
// queue in order, one request at a time, as client-go's broadcaster does (recordToSink), so Events
// never take more than one request's share of the API server; it gives way to the reconciles
// while they are backlogged (PriorityGate), and a full queue drops the newest Event rather than
// grow without bound (client-go drops too). Failures are logged and dropped. Messages pass
// through a sanitiser first (callers redact CDN auth keys); timestamps are those of record().
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
  type KubernetesObject,
  type V1ObjectReference,
} from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import { toRfc3339 } from './conditions.js';
import { describeKubeError, httpStatusOf, requestOptions } from './kube-client.js';
import { KubeClients } from './kube-clients.js';
import { PriorityGate } from './priority-gate.js';
import { deadlineSignal } from './sleep.js';

export type EventType = 'Normal' | 'Warning';

/** The subset of CoreV1Api the recorder uses (tests pass a fake). */
export type EventsApi = Pick<CoreV1Api, 'createNamespacedEvent' | 'patchNamespacedEvent'>;

export interface EventRecorderOptions {
  /** Needed unless `api` is given. */
  readonly kubeConfig?: KubeConfig;
  readonly api?: EventsApi;
  /** source.component / reportingComponent, e.g. `rtmp-push-operator`. */
  readonly component: string;
  /** source.host / reportingInstance, e.g. the pod name. */
  readonly instance?: string;
  readonly logger: Logger;
  /** Applied to every message before it leaves the process. */
  readonly sanitize?: (message: string) => string;
  /** Repeats within this window are folded into one Event; defaults to 10 min. */
  readonly aggregateWindowMs?: number;
  /** Aggregation entries kept (least recently used dropped); defaults to 4096. */
  readonly maxEntries?: number;
  /** Deadline of each apiserver call; defaults to 10 s. */
  readonly requestTimeoutMs?: number;
  /** Events waiting to be written beyond which new ones are dropped; defaults to 10,000. */
  readonly maxQueued?: number;
  /** What the writer gives way to; by default nothing. */
  readonly gate?: PriorityGate;
  /** Called for each Event that will never be written (a full queue, or a write that failed). */
  readonly onDropped?: (why: EventDropReason) => void;
  readonly now?: () => number;
}

export type EventDropReason = 'queue_full' | 'write_failed';

interface Pending {
  readonly key: string;
  readonly ref: V1ObjectReference;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  /** When record() was called: the Event's timestamp, however late it is written. */
  readonly at: number;
  readonly done: () => void;
}

interface Aggregate {
  readonly namespace: string;
  readonly eventName: string;
  count: number;
  lastSeen: number;
}

/** Longest message written; the apiserver has no limit for core/v1 but etcd objects should stay small. */
export const MAX_EVENT_MESSAGE_LENGTH = 1024;

/** An ObjectReference for `obj` (apiVersion, kind, namespace, name, uid, resourceVersion). */
export function objectReference(obj: KubernetesObject): V1ObjectReference {
  const ref: V1ObjectReference = {};
  if (obj.apiVersion !== undefined) ref.apiVersion = obj.apiVersion;
  if (obj.kind !== undefined) ref.kind = obj.kind;
  const meta = obj.metadata;
  if (meta?.namespace !== undefined) ref.namespace = meta.namespace;
  if (meta?.name !== undefined) ref.name = meta.name;
  if (meta?.uid !== undefined) ref.uid = meta.uid;
  if (meta?.resourceVersion !== undefined) ref.resourceVersion = meta.resourceVersion;
  return ref;
}

export class EventRecorder {
  private readonly api: EventsApi;
  private readonly logger: Logger;
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private dropped = 0;
  private readonly onDropped: (why: EventDropReason) => void;
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly maxQueued: number;
  private readonly timeoutMs: number;
  private readonly gate: PriorityGate;
  private readonly now: () => number;
  private sequence = 0;

  constructor(private readonly opts: EventRecorderOptions) {
    if (opts.api === undefined && opts.kubeConfig === undefined) {
      throw new Error('EventRecorder: kubeConfig or api is required');
    }
    this.api = opts.api ?? KubeClients.for(opts.kubeConfig as KubeConfig).makeApiClient(CoreV1Api);
    this.logger = opts.logger.child({ component: 'event-recorder' });
    this.windowMs = opts.aggregateWindowMs ?? 600_000;
    this.maxEntries = opts.maxEntries ?? 4096;
    this.maxQueued = opts.maxQueued ?? 10_000;
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.gate = opts.gate ?? PriorityGate.open;
    const hook = opts.onDropped;
    this.onDropped = (why): void => {
      try {
        hook?.(why);
      } catch {
        // An observation hook must not break the recorder.
      }
    };
    this.now = opts.now ?? Date.now;
  }

  /**
   * Records an Event about `object` (a full object or an ObjectReference). Resolves when written,
   * given up or dropped; never rejects, so callers may `void` it.
   */
  record(object: KubernetesObject | V1ObjectReference, type: EventType, reason: string, message: string): Promise<void> {
    const ref = 'metadata' in object ? objectReference(object) : (object as V1ObjectReference);
    const text = this.clean(message);
    if (this.queue.length >= this.maxQueued) {
      this.dropped += 1;
      this.onDropped('queue_full');
      // Once per thousand, so a flood of drops does not become a flood of log lines.
      if (this.dropped % 1_000 === 1) this.logger.warn({ dropped: this.dropped, queued: this.queue.length }, 'event queue full; dropping events');
      return Promise.resolve();
    }
    const key = [ref.namespace ?? '', ref.kind ?? '', ref.name ?? '', ref.uid ?? '', type, reason, text].join('\u0000');
    return new Promise((done) => {
      this.queue.push({ key, ref, type, reason, message: text, at: this.now(), done });
      this.writing ??= this.drain();
    });
  }

  /** Resolves when every record() so far has been written or given up (for shutdown and tests). */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        await this.gate.whenOpen(next.at);
        try {
          await this.write(next);
        } catch (error) {
          this.logger.warn({ reason: next.reason, err: error }, 'could not record event');
          this.onDropped('write_failed');
        } finally {
          next.done();
        }
      }
    } finally {
      // Synchronously after the last shift(): a record() from a done() callback starts a new drain.
      this.writing = undefined;
    }
  }

  private clean(message: string): string {
    let text: string;
    try {
      text = this.opts.sanitize?.(message) ?? message;
    } catch (error) {
      // A sanitiser that fails must not let the raw message through.
      this.logger.error({ err: error }, 'event message sanitiser failed; message withheld');
      text = '(message withheld: sanitiser failed)';
    }
    return text.length > MAX_EVENT_MESSAGE_LENGTH ? `${text.slice(0, MAX_EVENT_MESSAGE_LENGTH - 3)}...` : text;
  }

  private async write(e: Pending): Promise<void> {
    const existing = this.aggregates.get(e.key);
    if (existing !== undefined && e.at - existing.lastSeen < this.windowMs) {
      const patched = await this.patch(existing, e.at);
      if (patched === 'ok') this.remember(e.key, existing);
      if (patched === 'failed') this.onDropped('write_failed');
      if (patched !== 'gone') return;
    }
    await this.create(e);
  }

  private async patch(aggregate: Aggregate, now: number): Promise<'ok' | 'gone' | 'failed'> {
    const count = aggregate.count + 1;
    const { signal, dispose } = deadlineSignal(this.timeoutMs);
    try {
      await this.api.patchNamespacedEvent(
        { name: aggregate.eventName, namespace: aggregate.namespace, body: { count, lastTimestamp: toRfc3339(new Date(now)) } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch, requestOptions(signal)),
      );
      aggregate.count = count;
      aggregate.lastSeen = now;
      return 'ok';
    } catch (error) {
      // Events expire (1 h by default); a vanished one is simply created anew.
      if (httpStatusOf(error) === 404) return 'gone';
      this.logger.warn({ event: aggregate.eventName, error: describeKubeError(error) }, 'could not update event');
      return 'failed';
    } finally {
      dispose();
    }
  }

  private async create({ key, ref, type, reason, message, at: now }: Pending): Promise<void> {
    // An Event lives in its object's namespace; cluster-scoped objects' Events go to default.
    const namespace = ref.namespace !== undefined && ref.namespace !== '' ? ref.namespace : 'default';
    const eventName = this.eventName(ref.name ?? 'object', now);
    const timestamp = new Date(Math.floor(now / 1_000) * 1_000);
    const body: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: eventName, namespace },
      involvedObject: ref,
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      source: { component: this.opts.component, ...(this.opts.instance !== undefined ? { host: this.opts.instance } : {}) },
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.instance ?? '',
    };
    const { signal, dispose } = deadlineSignal(this.timeoutMs);
    try {
      await this.api.createNamespacedEvent({ namespace, body }, requestOptions(signal));
      this.remember(key, { namespace, eventName, count: 1, lastSeen: now });
    } catch (error) {
      this.logger.warn(
        { namespace, involvedObject: `${ref.kind ?? ''}/${ref.name ?? ''}`, reason, error: describeKubeError(error) },
        'could not record event',
      );
      this.onDropped('write_failed');
    } finally {
      dispose();
    }
  }

  /** `<object>.<hex nanoseconds>`, like client-go; unique per recorder even within one millisecond. */
  private eventName(objectName: string, now: number): string {
    this.sequence = (this.sequence + 1) % 1_000_000;
    const suffix = (BigInt(now) * 1_000_000n + BigInt(this.sequence)).toString(16);
    return `${objectName.slice(0, 253 - suffix.length - 1)}.${suffix}`;
  }

  private remember(key: string, aggregate: Aggregate): void {
    this.aggregates.delete(key);
    this.aggregates.set(key, aggregate);
    while (this.aggregates.size > this.maxEntries) {
      const oldest = this.aggregates.keys().next();
      if (oldest.done === true) break;
      this.aggregates.delete(oldest.value);
    }
  }
}
