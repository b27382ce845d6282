// The watch caches the controller reads: RtmpPushTasks in the watched scope, and the credentials
// Secrets. Built before the reconciler (which reads them) and the controller (which is fed by
// their events), so neither needs the other after construction.
import type { KubeConfig, KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/v1alpha1/constants.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { Logger } from '../observability/logger.js';
import { Informer, objectKey } from '../runtime/informer.js';

export function asTask(obj: KubernetesObject): UnvalidatedRtmpPushTask {
  return obj as unknown as UnvalidatedRtmpPushTask;
}

export function taskCollectionPath(namespace: string | undefined): string {
  return namespace === undefined ? `/apis/${GROUP}/${VERSION}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
}

function secretCollectionPath(namespace: string | undefined): string {
  return namespace === undefined ? '/api/v1/secrets' : `/api/v1/namespaces/${namespace}/secrets`;
}

/** Where Secrets are watched: a namespace (undefined: all), optionally one Secret by name only. */
export interface SecretSource {
  readonly namespace: string | undefined;
  readonly name?: string | undefined;
}

/**
 * The narrowest Secret watches that cover every Secret a task may use: the watched namespace(s),
 * plus the default credentials Secret by name when it lives elsewhere (RBAC there grants only
 * that one Secret, so watching its whole namespace would be refused).
 */
export function secretSources(watchNamespace: string | undefined, defaultSecret: { namespace: string; name: string } | undefined): SecretSource[] {
  if (watchNamespace === undefined) return [{ namespace: undefined }];
  const sources: SecretSource[] = [{ namespace: watchNamespace }];
  if (defaultSecret !== undefined && defaultSecret.namespace !== watchNamespace) sources.push(defaultSecret);
  return sources;
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
  private readonly secretInformers: Informer<V1Secret>[];

  constructor(opts: CachesOptions, secrets: readonly SecretSource[]) {
    const common = { kubeConfig: opts.kubeConfig, logger: opts.logger, ...(opts.watchdogMs !== undefined ? { watchdogMs: opts.watchdogMs } : {}) };
    this.tasks = new Informer<KubernetesObject>({ ...common, path: taskCollectionPath(opts.namespace), resource: PLURAL });
    this.secretInformers = secrets.map(
      (src) =>
        new Informer<V1Secret>({
          ...common,
          path: secretCollectionPath(src.namespace),
          resource: 'secrets',
          ...(src.name !== undefined ? { fieldSelector: `metadata.name=${src.name}` } : {}),
        }),
    );
  }

  getTask = (namespace: string, name: string): UnvalidatedRtmpPushTask | undefined => {
    const obj = this.tasks.get(namespace, name);
    return obj === undefined ? undefined : asTask(obj);
  };

  getSecret = (namespace: string, name: string): V1Secret | undefined => {
    for (const inf of this.secretInformers) {
      const s = inf.get(namespace, name);
      if (s !== undefined) return s;
    }
    return undefined;
  };

  listTasks(): UnvalidatedRtmpPushTask[] {
    return this.tasks.list().map(asTask);
  }

  /** Calls `handler` with `namespace/name` of every Secret added, changed or deleted. */
  onSecretChange(handler: (secret: string, obj: V1Secret) => void): void {
    for (const inf of this.secretInformers) {
      const fire = (s: V1Secret): void => handler(objectKey(s), s);
      inf.on('add', fire);
      inf.on('update', fire);
      inf.on('delete', fire);
    }
  }

  onSecretWatchRestart(handler: () => void): void {
    for (const inf of this.secretInformers) inf.on('restart', handler);
  }

  start(): void {
    this.tasks.start();
    for (const inf of this.secretInformers) inf.start();
  }

  hasSynced(): boolean {
    return this.tasks.hasSynced() && this.secretInformers.every((i) => i.hasSynced());
  }

  async waitForSync(signal: AbortSignal): Promise<void> {
    await Promise.all([this.tasks.waitForSync(signal), ...this.secretInformers.map((i) => i.waitForSync(signal))]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.tasks.stop(), ...this.secretInformers.map((i) => i.stop())]);
  }
}
