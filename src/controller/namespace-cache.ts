// What checkTenancy needs to know about Namespaces: their labels (for the default credentials
// selector) and the operator's own annotations (rtmp.jocloud.com/allowed-appids), from a watch.
//
// It runs whenever the operator watches every namespace, whatever the flags say: a cluster admin
// may annotate a namespace at any time, and a restriction that only held when some flag happened
// to be set would silently not hold. Under --namespace it is not needed and not started: reading
// a Namespace takes cluster-scoped RBAC, which namespace-confined installs exist to avoid, and
// there the release itself is the tenant boundary (its own default credentials and appid).
//
// Cached objects are slim: name, resourceVersion, labels and the rtmp.jocloud.com/ annotations.
// Namespaces often carry kubectl's last-applied-configuration and tooling annotations that the
// operator never reads.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { z } from 'zod';
import type { Logger } from '../observability/logger.js';
import { Informer } from '../runtime/informer.js';

/** Annotations under this prefix are kept; all others are dropped on arrival. */
export const KEPT_ANNOTATION_PREFIX = 'rtmp.jocloud.com/';

export interface NamespaceMeta {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Only the annotations under KEPT_ANNOTATION_PREFIX. */
  readonly annotations: Readonly<Record<string, string>>;
}

interface SlimNamespace extends KubernetesObject {
  metadata: { name: string; resourceVersion?: string; labels: Record<string, string>; annotations: Record<string, string> };
}

const namespaceSchema = z.object({
  metadata: z.object({
    name: z.string().min(1),
    resourceVersion: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
});

export function slimNamespace(raw: unknown): SlimNamespace {
  const { metadata } = namespaceSchema.parse(raw);
  const annotations = Object.fromEntries(Object.entries(metadata.annotations ?? {}).filter(([k]) => k.startsWith(KEPT_ANNOTATION_PREFIX)));
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: metadata.name,
      ...(metadata.resourceVersion !== undefined ? { resourceVersion: metadata.resourceVersion } : {}),
      labels: metadata.labels ?? {},
      annotations,
    },
  };
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

export interface NamespaceCacheOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  readonly watchdogMs?: number | undefined;
  /** A watch ended abnormally and is being re-established (for the watch-restart metric). */
  readonly onWatchRestart?: (() => void) | undefined;
}

export class NamespaceCache {
  private readonly informer: Informer<SlimNamespace>;
  private readonly handlers: Array<(namespace: string) => void> = [];

  constructor(opts: NamespaceCacheOptions) {
    this.informer = new Informer<SlimNamespace>({
      kubeConfig: opts.kubeConfig,
      logger: opts.logger,
      path: '/api/v1/namespaces',
      resource: 'namespaces',
      decode: slimNamespace,
      ...(opts.watchdogMs !== undefined ? { watchdogMs: opts.watchdogMs } : {}),
    });
    const changed = (ns: SlimNamespace): void => this.emit(ns.metadata.name);
    this.informer.on('add', changed);
    this.informer.on('delete', changed);
    // Status and dropped annotations change the resourceVersion too; those change no verdict.
    this.informer.on('update', (ns, old) => {
      if (!sameRecord(ns.metadata.labels, old.metadata.labels) || !sameRecord(ns.metadata.annotations, old.metadata.annotations)) changed(ns);
    });
    if (opts.onWatchRestart !== undefined) this.informer.on('restart', opts.onWatchRestart);
  }

  /**
   * Called with a namespace's name whenever what get() returns for it may have changed (added,
   * deleted, labels or kept annotations changed): re-check that namespace's tasks. Returns the
   * unsubscribe function.
   */
  onChange(handler: (namespace: string) => void): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  /** What the cache knows of a namespace; undefined before sync, or for one that does not exist (yet). */
  get(name: string): NamespaceMeta | undefined {
    const ns = this.informer.get(undefined, name);
    return ns === undefined ? undefined : { name: ns.metadata.name, labels: ns.metadata.labels, annotations: ns.metadata.annotations };
  }

  start(): void {
    this.informer.start();
  }

  hasSynced(): boolean {
    return this.informer.hasSynced();
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.informer.waitForSync(signal);
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  private emit(namespace: string): void {
    for (const handler of [...this.handlers]) handler(namespace);
  }
}
