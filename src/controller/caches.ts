// The watch caches the controller reads: RtmpPushTasks in the watched scope, and exactly the
// credentials Secrets some task uses (one small watch each, see secret-watches.ts: caching every
// Secret in the cluster would hold Helm release Secrets of up to 1 MiB each). Built before the
// reconciler (which reads them) and the controller (which is fed by their events), so neither
// needs the other after construction.
import type { KubeConfig, KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/v1alpha1/constants.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { Logger } from '../observability/logger.js';
import { Informer } from '../runtime/informer.js';
import { secretKey, type SecretRef } from './credentials.js';
import { SecretWatches } from './secret-watches.js';

export function asTask(obj: KubernetesObject): UnvalidatedRtmpPushTask {
  return obj as unknown as UnvalidatedRtmpPushTask;
}

export function taskCollectionPath(namespace: string | undefined): string {
  return namespace === undefined ? `/apis/${GROUP}/${VERSION}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
}

export interface CachesOptions {
  readonly kubeConfig: KubeConfig;
  /** Watch scope; undefined watches every namespace. */
  readonly namespace?: string | undefined;
  readonly logger: Logger;
  /** Restart a watch silent for this long (client-node watches can hang without an error). */
  readonly watchdogMs?: number;
}

export class TaskCaches {
  readonly tasks: Informer<KubernetesObject>;
  private readonly secrets: SecretWatches;
  private readonly secretHandlers: Array<(secret: string) => void> = [];
  private readonly credentialHandlers: Array<(secret: string) => void> = [];
  /** What tasks read of each watched Secret, to tell a credentials change from any other. */
  private readonly fingerprints = new Map<string, string>();
  private readonly restartHandlers: Array<() => void> = [];

  constructor(opts: CachesOptions) {
    const common = { kubeConfig: opts.kubeConfig, logger: opts.logger, ...(opts.watchdogMs !== undefined ? { watchdogMs: opts.watchdogMs } : {}) };
    this.tasks = new Informer<KubernetesObject>({ ...common, path: taskCollectionPath(opts.namespace), resource: PLURAL });
    this.secrets = new SecretWatches({ ...common, onWatchRestart: () => this.restartHandlers.forEach((h) => h()) });
    this.secrets.onChange((ref) => {
      const key = secretKey(ref);
      this.secretHandlers.forEach((h) => h(key));
      const secret = this.secrets.get(ref.namespace, ref.name);
      const previous = this.fingerprints.get(key);
      const fp = fingerprint(secret);
      this.fingerprints.set(key, fp);
      // Only the finalizers changed (our own in-use finalizer): nothing a task reads.
      if (previous !== undefined && sameExceptFinalizers(previous, fp)) return;
      this.credentialHandlers.forEach((h) => h(key));
    });
  }

  getTask = (namespace: string, name: string): UnvalidatedRtmpPushTask | undefined => {
    const obj = this.tasks.get(namespace, name);
    return obj === undefined ? undefined : asTask(obj);
  };

  getSecret = (namespace: string, name: string): V1Secret | undefined => this.secrets.get(namespace, name);

  /** Whether getSecret's answer for this Secret reflects the cluster yet. */
  secretKnown = (namespace: string, name: string): boolean => this.secrets.hasSyncedRef(namespace, name);

  /** Watch exactly these Secrets (the ones tasks use) from now on. */
  watchSecrets(refs: Iterable<SecretRef>): void {
    this.secrets.sync(refs);
  }

  listTasks(namespace?: string): UnvalidatedRtmpPushTask[] {
    return this.tasks.list(namespace).map(asTask);
  }

  /**
   * Calls `handler` with `namespace/name` of a watched Secret when what a task reads of it
   * changed (its credentials, its deletion, its finalizers) or its watch first answered.
   */
  onSecretChange(handler: (secret: string) => void): void {
    this.secretHandlers.push(handler);
  }

  /**
   * Calls `handler` when a Secret tasks use changed (any edit: touching it asks for a retry), or
   * its watch first answered; not when only its finalizers changed (our own in-use finalizer):
   * re-queuing on that would cut a failing task's retry backoff short.
   */
  onCredentialsChange(handler: (secret: string) => void): void {
    this.credentialHandlers.push(handler);
  }

  onSecretWatchRestart(handler: () => void): void {
    this.restartHandlers.push(handler);
  }

  start(): void {
    this.tasks.start();
  }

  hasSynced(): boolean {
    return this.tasks.hasSynced() && this.secrets.hasSynced();
  }

  /** The tasks first (they decide which Secrets are wanted), then those Secrets. */
  async waitForSync(signal: AbortSignal): Promise<void> {
    await this.tasks.waitForSync(signal);
    await this.secrets.waitForSync(signal);
  }

  async stop(): Promise<void> {
    await Promise.all([this.tasks.stop(), this.secrets.stop()]);
  }
}

/** [resourceVersion, finalizers, the rest] of a Secret, or 'absent'. */
function fingerprint(secret: V1Secret | undefined): string {
  if (secret === undefined) return 'absent';
  const data = secret.data ?? {};
  return JSON.stringify([secret.metadata?.resourceVersion ?? '', secret.metadata?.finalizers ?? [], [data['restfulId'] ?? '', data['restfulSecret'] ?? '', secret.metadata?.deletionTimestamp !== undefined]]);
}

function sameExceptFinalizers(a: string, b: string): boolean {
  if (a === 'absent' || b === 'absent') return a === b;
  const [, finA, restA] = JSON.parse(a) as [string, string[], unknown];
  const [, finB, restB] = JSON.parse(b) as [string, string[], unknown];
  return JSON.stringify(restA) === JSON.stringify(restB) && JSON.stringify(finA) !== JSON.stringify(finB);
}
