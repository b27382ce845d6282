// A list+watch cache that does not give up. client-node's informer stops after any error other
// than 410 and, when restarted, does not re-announce what changed while it was away
// (KUBERNETES-NOTES.md); an operator built on it silently stops reconciling. This one:
//   - lists, then watches from the list's resourceVersion (with bookmarks);
//   - on 410 Gone (HTTP status or an ERROR event) lists again and diffs the fresh list against
//     its cache, emitting the adds, updates and deletes it missed, so no change is lost;
//   - on any other error or end of the stream, watches again from the last resourceVersion it
//     saw, after a jittered exponential backoff;
//   - restarts a watch that has been silent (no bytes, not even a bookmark) for `watchdogMs`
//     (informer-io.ts);
//   - caches objects through `transform`, by default slimObject (no managedFields, no
//     last-applied annotation), so the cache holds only what its readers use.
// Handlers are called synchronously and not awaited; their errors (sync or async) are logged.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
export type { InformerEvents, WatchRestartReason } from './informer-events.js';
import { Backoff } from './backoff.js';
import { Handlers, type InformerEvents, type WatchRestartReason } from './informer-events.js';
import { listPage, watchStream, type ListPage, type WatchEnd } from './informer-io.js';
import { asStatus, httpStatusOf, KubeHttpError, type QueryParams } from './kube-client.js';
import { slimObject } from './slim-object.js';
import { sleep } from './sleep.js';


export interface InformerOptions<T extends KubernetesObject> {
  readonly kubeConfig: KubeConfig;
  /** Collection path, e.g. `/apis/rtmp.jocloud.com/v1alpha1/namespaces/ns/rtmppushtasks`. */
  readonly path: string;
  readonly logger: Logger;
  /** Name for logs and metrics; defaults to the last segment of `path`. */
  readonly resource?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Restart a watch that received nothing for this long; defaults to 5 min. */
  readonly watchdogMs?: number;
  /**
   * Server-side timeout of each watch request. Defaults to a random 50-90 % of watchdogMs, so
   * a healthy but quiet watch is always ended by the server before the watchdog fires.
   */
  readonly watchTimeoutSeconds?: number;
  /** Reconnect backoff; defaults 500 ms doubling to 30 s, jittered. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** List page size; defaults to 500. */
  readonly pageSize?: number;
  /** Turns a decoded JSON item into T (e.g. a zod parse); throwing skips the item with a log. */
  readonly decode?: (raw: unknown) => T;
  /**
   * Applied to every object before it is cached and handed to handlers (after decode), to keep
   * only what the readers need; may modify its argument. Defaults to slimObject.
   */
  readonly transform?: (obj: T) => T;
}

export interface InformerStats {
  /** Completed full lists (the initial one included). */
  readonly lists: number;
  /** Abnormal watch restarts, by reason. */
  readonly restarts: Readonly<Record<WatchRestartReason, number>>;
  /** Watch requests started. */
  readonly watches: number;
  readonly resourceVersion: string;
}

/** The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns !== undefined && ns !== '' ? `${ns}/${name}` : name;
}

export class Informer<T extends KubernetesObject> {
  private cache = new Map<string, T>();
  private resourceVersion = '';
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private readonly handlers: Handlers<T>;
  private readonly stopController = new AbortController();
  private loopDone: Promise<void> | undefined;
  private counters = { lists: 0, watches: 0, restarts: { expired: 0, watchdog: 0, error: 0 } };

  private readonly logger: Logger;
  private readonly resource: string;
  private readonly watchdogMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly pageSize: number;

  constructor(private readonly opts: InformerOptions<T>) {
    this.resource = opts.resource ?? opts.path.split('/').filter(Boolean).at(-1) ?? opts.path;
    this.logger = opts.logger.child({ informer: this.resource });
    this.watchdogMs = opts.watchdogMs ?? 300_000;
    this.backoffBaseMs = opts.backoffBaseMs ?? 500;
    this.backoffMaxMs = opts.backoffMaxMs ?? 30_000;
    this.pageSize = opts.pageSize ?? 500;
    if (!(this.watchdogMs > 0)) throw new Error('Informer: watchdogMs must be positive');
    this.handlers = new Handlers<T>((event, error) => this.logger.error({ err: error, event }, `${this.resource} ${event} handler failed`));
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof InformerEvents<T>>(event: E, handler: InformerEvents<T>[E]): () => void {
    return this.handlers.on(event, handler);
  }

  /** Starts listing and watching in the background. Idempotent. */
  start(): void {
    if (this.stopController.signal.aborted) throw new Error('Informer: cannot start after stop');
    this.loopDone ??= this.loop();
  }

  /** Stops watching; resolves once the background loop has ended. */
  async stop(): Promise<void> {
    this.stopController.abort();
    for (const resolve of this.syncWaiters) resolve();
    this.syncWaiters = [];
    await this.loopDone;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first complete list; rejects if `signal` aborts or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(asError(signal?.reason, 'waitForSync aborted'));
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        if (this.synced) resolve();
        else reject(new Error(`informer ${this.resource} stopped before it synced`));
      });
    });
  }

  /** Cached objects, optionally only those of one namespace. */
  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => (o.metadata?.namespace ?? '') === namespace);
  }

  /** A cached object; `namespace` is ignored (pass '' or undefined) for cluster-scoped kinds. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(namespace !== undefined && namespace !== '' ? `${namespace}/${name}` : name);
  }

  stats(): InformerStats {
    return {
      lists: this.counters.lists,
      watches: this.counters.watches,
      restarts: { ...this.counters.restarts },
      resourceVersion: this.resourceVersion,
    };
  }

  private get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }

  private async loop(): Promise<void> {
    const backoff = new Backoff({ baseMs: this.backoffBaseMs, maxMs: this.backoffMaxMs, jitter: 0.5 });
    let needList = true;
    while (!this.stopSignal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        const startedAt = Date.now();
        const { end, events } = await this.watchOnce();
        if (end === 'stopped') break;
        if (events > 0 || Date.now() - startedAt >= 1_000) backoff.reset();
        if (end === 'expired') {
          needList = true;
          this.restarted('expired', true);
          // A watch that is refused as too old right after a fresh list would loop tightly.
          if (events === 0) await sleep(backoff.next(), this.stopSignal);
        } else if (end === 'watchdog') {
          this.restarted('watchdog', false);
        } else if (events === 0 && Date.now() - startedAt < 1_000) {
          // Closed at once without a word: treat like an error so it cannot spin.
          await sleep(backoff.next(), this.stopSignal);
        }
      } catch (error) {
        if (this.stopSignal.aborted) break;
        if (httpStatusOf(error) === 410) {
          needList = true;
          this.restarted('expired', true);
          continue;
        }
        const delayMs = backoff.next();
        this.logger.warn(
          { err: error, phase: needList ? 'list' : 'watch', retryInMs: delayMs },
          `${needList ? 'list' : 'watch'} of ${this.resource} failed; retrying`,
        );
        this.emit('error', error);
        if (!needList) this.restarted('error', false);
        await sleep(delayMs, this.stopSignal);
      }
    }
  }

  private restarted(reason: WatchRestartReason, relist: boolean): void {
    this.counters.restarts[reason] += 1;
    this.logger.info({ reason, relist, resourceVersion: this.resourceVersion }, `restarting watch of ${this.resource}`);
    this.emit('restart', { reason, relist });
  }

  /** Lists everything (paged), replaces the cache and emits what changed since the last one. */
  private async relist(): Promise<void> {
    const items = new Map<string, T>();
    let resourceVersion: string;
    let continueToken: string | undefined;
    for (;;) {
      let page: ListPage;
      try {
        page = await this.listPage(continueToken);
      } catch (error) {
        // An expired continue token: the snapshot is gone, so start the list over.
        if (continueToken !== undefined && httpStatusOf(error) === 410) {
          items.clear();
          continueToken = undefined;
          continue;
        }
        throw error;
      }
      for (const raw of page.items) {
        const obj = this.decode(raw, page);
        if (obj !== undefined) items.set(objectKey(obj), obj);
      }
      resourceVersion = page.resourceVersion;
      continueToken = page.continueToken;
      if (continueToken === undefined) break;
    }

    const previous = this.cache;
    this.cache = items;
    this.resourceVersion = resourceVersion;
    this.counters.lists += 1;
    for (const [key, obj] of items) {
      const old = previous.get(key);
      if (old === undefined) this.emit('add', obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit('update', obj, old);
    }
    for (const [key, old] of previous) {
      if (!items.has(key)) this.emit('delete', old);
    }
    this.logger.debug({ count: items.size, resourceVersion }, `listed ${this.resource}`);
    if (!this.synced) {
      this.synced = true;
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      for (const resolve of waiters) resolve();
      this.emit('synced');
    }
  }

  /**
   * The first list asks for resourceVersion=0, as client-go's reflector does: the API server
   * answers from its watch cache in one piece instead of paging through etcd, which is what makes
   * a restart with thousands of objects cheap for both. The watch from its resourceVersion brings
   * whatever the cache had not seen yet. A relist (after 410 Gone) pages a consistent read.
   */
  private listPage(continueToken: string | undefined): Promise<ListPage> {
    const page = this.counters.lists === 0 && continueToken === undefined ? { resourceVersion: '0' } : { limit: this.pageSize, continue: continueToken };
    return listPage(this.opts.kubeConfig, this.opts.path, this.query(page), this.stopSignal);
  }

  /** Watches from the current resourceVersion until the stream ends; applies every event. */
  private watchOnce(): Promise<{ end: WatchEnd; events: number }> {
    this.counters.watches += 1;
    return watchStream({
      kubeConfig: this.opts.kubeConfig,
      path: this.opts.path,
      query: this.query({
        watch: 'true',
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: 'true',
        timeoutSeconds: this.watchTimeoutSeconds(),
      }),
      watchdogMs: this.watchdogMs,
      stopSignal: this.stopSignal,
      onWatchdog: () =>
        this.logger.warn(
          { watchdogMs: this.watchdogMs, resourceVersion: this.resourceVersion },
          `watch of ${this.resource} silent for too long; restarting it`,
        ),
      onLine: (line) => this.applyWatchLine(line),
    });
  }

  /** Applies one watch event line; throws on anything it cannot trust (so the watch restarts). */
  private applyWatchLine(line: string): 'ok' | 'expired' {
    const event = JSON.parse(line) as { type?: unknown; object?: unknown };
    const type = event.type;
    if (type === 'ERROR') {
      const status = asStatus(event.object);
      if (status?.code === 410) return 'expired';
      throw new KubeHttpError(status?.code ?? 500, `watch ${this.opts.path}: ERROR event: ${status?.message ?? line}`, status?.reason);
    }
    const object = event.object as KubernetesObject | undefined;
    const rv = object?.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (rv !== undefined) this.resourceVersion = rv;
      return 'ok';
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') {
      throw new Error(`watch ${this.opts.path}: unexpected event type ${String(type)}`);
    }
    const obj = this.decode(object, undefined);
    if (rv !== undefined) this.resourceVersion = rv;
    if (obj === undefined) return 'ok';
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (type === 'DELETED') {
      if (old === undefined) return 'ok';
      this.cache.delete(key);
      this.emit('delete', obj);
    } else if (old === undefined) {
      this.cache.set(key, obj);
      this.emit('add', obj);
    } else {
      this.cache.set(key, obj);
      if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit('update', obj, old);
    }
    return 'ok';
  }

  private decode(raw: unknown, page: ListPage | undefined): T | undefined {
    if (typeof raw !== 'object' || raw === null) return undefined;
    // Items of a list of built-in kinds come without kind/apiVersion; put them back.
    const filled = raw as { kind?: string; apiVersion?: string };
    if (page !== undefined) {
      if (filled.kind === undefined && page.itemKind !== undefined) filled.kind = page.itemKind;
      if (filled.apiVersion === undefined && page.apiVersion !== undefined) filled.apiVersion = page.apiVersion;
    }
    const transform = this.opts.transform ?? slimObject;
    try {
      return transform(this.opts.decode === undefined ? (raw as T) : this.opts.decode(raw));
    } catch (error) {
      const meta = (raw as KubernetesObject).metadata;
      this.logger.warn({ err: error, namespace: meta?.namespace, name: meta?.name }, `skipping undecodable ${this.resource}`);
      return undefined;
    }
  }

  private query(extra: QueryParams): QueryParams {
    return {
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      ...extra,
    };
  }

  private watchTimeoutSeconds(): number {
    if (this.opts.watchTimeoutSeconds !== undefined) return this.opts.watchTimeoutSeconds;
    const seconds = (this.watchdogMs / 1_000) * (0.5 + 0.4 * Math.random());
    return Math.max(1, Math.floor(seconds));
  }

  private emit<E extends keyof InformerEvents<T>>(event: E, ...args: Parameters<InformerEvents<T>[E]>): void {
    this.handlers.emit(event, ...args);
  }
}

function asError(value: unknown, fallback: string): Error {
  return value instanceof Error ? value : new Error(typeof value === 'string' ? value : fallback);
}
