// Watches exactly the Secrets that tasks use, one small watch per Secret (a metadata.name field
// selector), instead of every Secret in the cluster. A cluster-wide Secret informer holds every
// Helm release (up to 1 MiB each), service account token and TLS key in memory and wakes the
// operator on each of their changes; the operator reads two keys of a handful of Secrets.
//
// The caller keeps the index from Secret to tasks and hands the full set of referenced Secrets to
// sync() whenever it changes; this class starts the watches that are new and stops the ones no
// longer wanted. Cached Secrets are slim: the two credential keys and the metadata that says
// which version this is and whether it is going away.
//
// One watch per Secret costs one long-lived apiserver request each. That suits the expected
// shape (a credentials Secret per tenant namespace, so tens to a few hundred); thousands of
// distinct credentials Secrets would call for a label-selected watch instead.
import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import { z } from 'zod';
import type { Logger } from '../observability/logger.js';
import { Informer } from '../runtime/informer.js';
import { secretKey, type SecretRef } from './credentials.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The keys resolveCredentials reads; every other key of a Secret is dropped on arrival. */
export const CREDENTIAL_KEYS = ['restfulId', 'restfulSecret'] as const;

const secretSchema = z.object({
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().min(1),
    resourceVersion: z.string().optional(),
    uid: z.string().optional(),
    deletionTimestamp: z.string().optional(),
    finalizers: z.array(z.string()).optional(),
  }),
  data: z.record(z.string(), z.string()).nullish(),
});

/** The Secret as the operator needs it; throws (so the informer skips it) on a malformed one. */
export function slimSecret(raw: unknown): V1Secret {
  const { metadata: m, data } = secretSchema.parse(raw);
  const kept = Object.fromEntries(CREDENTIAL_KEYS.flatMap((k) => (data?.[k] !== undefined ? [[k, data[k]]] : [])));
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.deletionTimestamp !== undefined ? { deletionTimestamp: new Date(m.deletionTimestamp) } : {}),
      ...(m.finalizers !== undefined ? { finalizers: m.finalizers } : {}),
    },
    data: kept,
  };
}

/** Whether two slim versions differ in anything the operator acts on. */
function sameContent(a: V1Secret, b: V1Secret): boolean {
  const dataSame = CREDENTIAL_KEYS.every((k) => a.data?.[k] === b.data?.[k]);
  return (
    dataSame &&
    a.metadata?.deletionTimestamp?.getTime() === b.metadata?.deletionTimestamp?.getTime() &&
    JSON.stringify(a.metadata?.finalizers ?? []) === JSON.stringify(b.metadata?.finalizers ?? [])
  );
}

export interface SecretWatchesOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  readonly watchdogMs?: number | undefined;
  /** A watch ended abnormally and is being re-established (for the watch-restart metric). */
  readonly onWatchRestart?: (() => void) | undefined;
}

export class SecretWatches {
  private readonly watches = new Map<string, { readonly ref: SecretRef; readonly informer: Informer<V1Secret> }>();
  private readonly handlers: Array<(ref: SecretRef) => void> = [];
  private readonly stopping = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly opts: SecretWatchesOptions) {}

  /**
   * Watch exactly these Secrets from now on: starts the new watches, stops the unwanted ones.
   * A ref that is not a valid namespace and Secret name is skipped (it could name no Secret, and
   * goes into a URL path and a field selector).
   */
  sync(refs: Iterable<SecretRef>): void {
    if (this.stopped) throw new Error('SecretWatches.sync after stop');
    const wanted = new Map<string, SecretRef>();
    for (const ref of refs) {
      if (!DNS_LABEL.test(ref.namespace) || ref.name.length > 253 || !DNS_SUBDOMAIN.test(ref.name)) {
        this.opts.logger.warn({ namespace: ref.namespace, name: ref.name }, 'not watching a Secret reference that is not a valid name');
        continue;
      }
      wanted.set(secretKey(ref), { namespace: ref.namespace, name: ref.name });
    }
    for (const [key, watch] of this.watches) {
      if (wanted.has(key)) continue;
      this.watches.delete(key);
      this.track(watch.informer.stop());
    }
    for (const [key, ref] of wanted) {
      if (!this.watches.has(key)) this.watches.set(key, { ref, informer: this.startWatch(ref) });
    }
  }

  /** The Secret if it is watched and exists; its data holds the credential keys only. */
  get(namespace: string, name: string): V1Secret | undefined {
    return this.watches.get(secretKey({ namespace, name }))?.informer.get(namespace, name);
  }

  /**
   * Whether get() for this Secret reflects the cluster: it is watched and its first list is done.
   * Before that, an absent Secret means "not known yet", not "not found".
   */
  hasSyncedRef(namespace: string, name: string): boolean {
    return this.watches.get(secretKey({ namespace, name }))?.informer.hasSynced() === true;
  }

  /** The Secrets watched now, as last given to sync(). */
  refs(): SecretRef[] {
    return [...this.watches.values()].map((w) => w.ref);
  }

  /** Every wanted Secret's first list is done (true when none is wanted). */
  hasSynced(): boolean {
    return [...this.watches.values()].every((w) => w.informer.hasSynced());
  }

  /**
   * Resolves once every Secret wanted at that moment has synced; follows sync() calls made while
   * waiting. Rejects when `signal` aborts or stop() is called first.
   */
  async waitForSync(signal: AbortSignal): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      if (this.stopped) throw new Error('SecretWatches stopped before it synced');
      const pending = [...this.watches.values()].filter((w) => !w.informer.hasSynced());
      if (pending.length === 0) return;
      // A watch dropped by sync() meanwhile rejects; the loop then looks at the new set.
      await Promise.allSettled(pending.map((w) => w.informer.waitForSync(signal)));
    }
  }

  /**
   * Called with a Secret's ref whenever what get()/hasSyncedRef() return for it may have changed:
   * once when its watch first syncs (found or not), then on every create, delete and change of
   * its credential keys, deletionTimestamp or finalizers. Not called for Secrets no longer wanted.
   * Returns the unsubscribe function.
   */
  onChange(handler: (ref: SecretRef) => void): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { informer } of this.watches.values()) this.track(informer.stop());
    this.watches.clear();
    await Promise.all([...this.stopping]);
  }

  private startWatch(ref: SecretRef): Informer<V1Secret> {
    const informer = new Informer<V1Secret>({
      kubeConfig: this.opts.kubeConfig,
      logger: this.opts.logger,
      path: `/api/v1/namespaces/${ref.namespace}/secrets`,
      fieldSelector: `metadata.name=${ref.name}`,
      resource: `secret ${secretKey(ref)}`,
      decode: slimSecret,
      ...(this.opts.watchdogMs !== undefined ? { watchdogMs: this.opts.watchdogMs } : {}),
    });
    // Events of the first list are covered by the one 'synced' notification.
    const changed = (): void => {
      if (informer.hasSynced() && this.watches.get(secretKey(ref))?.informer === informer) this.emit(ref);
    };
    informer.on('synced', changed);
    informer.on('add', changed);
    informer.on('delete', changed);
    // Any edit counts (a user touching the Secret asks for a retry), but not a resync that
    // changed nothing.
    informer.on('update', (secret, old) => {
      if (!sameContent(secret, old) || secret.metadata?.resourceVersion !== old.metadata?.resourceVersion) changed();
    });
    if (this.opts.onWatchRestart !== undefined) informer.on('restart', this.opts.onWatchRestart);
    informer.start();
    return informer;
  }

  private track(stopping: Promise<void>): void {
    this.stopping.add(stopping);
    const done = (): void => {
      this.stopping.delete(stopping);
    };
    stopping.then(done, done);
  }

  private emit(ref: SecretRef): void {
    for (const handler of [...this.handlers]) handler(ref);
  }
}
