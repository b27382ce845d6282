// RtmpPushTasks of one namespace, through the Kubernetes API and kubectl: what integration tests
// do to tasks and read back. The operator fixture is one for its own namespace; tests that span
// namespaces (tenancy, ownership across teams) take one per namespace with OperatorFixture.in().
import { setTimeout as delay } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../src/api/v1alpha1/constants.js';
import { eventually } from '../support/eventually.js';
import { runKubectl } from './kubectl.js';

export interface TaskObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    resourceVersion?: string;
    finalizers?: string[];
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    creationTimestamp?: string;
    uid?: string;
    managedFields?: unknown[];
  };
  spec: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    taskid?: string;
    active?: Record<string, unknown>;
    requestHash?: string;
    lastResponse?: { code: number; message?: string };
    conditions?: Array<{ type: string; status: string; reason: string; message?: string; lastTransitionTime: string; observedGeneration?: number }>;
    destinations?: Array<{ url: string; state: string; code: number; errcode: number; description?: string; version: string; lastCallbackTime: string }>;
    [key: string]: unknown;
  };
}

export class TaskClient {
  readonly api: CustomObjectsApi;
  readonly core: CoreV1Api;

  constructor(
    readonly kubeconfigPath: string,
    readonly kubeConfig: KubeConfig,
    readonly namespace: string,
  ) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  kubectl(args: readonly string[], input?: string): ReturnType<typeof runKubectl> {
    return runKubectl(this.kubeconfigPath, ['-n', this.namespace, ...args], input !== undefined ? { input } : {});
  }

  /** A task manifest for this namespace (a mixed push in the vendor sample's shape by default). */
  task(name: string, spec: Record<string, unknown> = {}): TaskObject {
    return {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'RtmpPushTask',
      metadata: { name, namespace: this.namespace },
      spec: {
        roomid: '123',
        streamtype: 1,
        rtmpurls: [`rtmp://push.example.com/live/${name}?auth_key=secret-${name}`],
        mixconfig: { templateid: 1, output: { streamtype: 2, audiobitrate: 64, audiochannel: 2, audiosample: 44100, audioencode: 1 } },
        ...spec,
      },
    };
  }

  async create(task: TaskObject): Promise<TaskObject> {
    return (await this.api.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: this.namespace, body: task })) as TaskObject;
  }

  async get(name: string): Promise<TaskObject | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: this.namespace, name })) as TaskObject;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  /** Merge-patches the spec (null deletes a field). */
  async patchSpec(name: string, spec: Record<string, unknown>): Promise<TaskObject> {
    return (await this.api.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace: this.namespace, name, body: { spec } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as TaskObject;
  }

  async delete(name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: this.namespace, name });
  }

  /** Polls until `predicate` holds for the task (undefined = deleted); fails with the last state. */
  async waitFor(name: string, predicate: (t: TaskObject | undefined) => boolean, timeoutMs = 20_000, what = 'condition'): Promise<TaskObject | undefined> {
    const deadline = Date.now() + timeoutMs;
    let last: TaskObject | undefined;
    while (Date.now() < deadline) {
      last = await this.get(name);
      if (predicate(last)) return last;
      await delay(100);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${this.namespace}/${name}; last: ${JSON.stringify(last?.status ?? last ?? null)}`);
  }

  waitForCondition(name: string, type: string, status: string, reason?: string, timeoutMs?: number): Promise<TaskObject | undefined> {
    return this.waitFor(
      name,
      (t) => {
        const c = condition(t, type);
        return c !== undefined && c.status === status && (reason === undefined || c.reason === reason) && c.observedGeneration === t?.metadata.generation;
      },
      timeoutMs,
      `${type}=${status}${reason !== undefined ? ` (${reason})` : ''}`,
    );
  }

  /** Merge-patches metadata (labels, annotations): a change that bumps no generation. */
  async patchMetadata(name: string, metadata: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> }): Promise<TaskObject> {
    return (await this.api.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace: this.namespace, name, body: { metadata } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as TaskObject;
  }

  /** Merge-patches the /status subresource, as another status writer would. */
  async patchStatus(name: string, status: Record<string, unknown>): Promise<TaskObject> {
    return (await this.api.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace: this.namespace, name, body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as TaskObject;
  }

  /** core/v1 Events about the task `name` (what kubectl describe shows). */
  async events(name: string): Promise<CoreV1Event[]> {
    const list = await this.core.listNamespacedEvent({ namespace: this.namespace, fieldSelector: `involvedObject.name=${name}` });
    return list.items;
  }

  /** Polls until an Event with `reason` about task `name` exists; resolves with those Events. */
  waitForEvent(name: string, reason: string, timeoutMs = 20_000): Promise<CoreV1Event[]> {
    return eventually(
      `a ${reason} Event about ${this.namespace}/${name}`,
      async () => {
        const found = (await this.events(name)).filter((e) => e.reason === reason);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }
}

export function condition(t: TaskObject | undefined, type: string): NonNullable<NonNullable<TaskObject['status']>['conditions']>[number] | undefined {
  return t?.status?.conditions?.find((c) => c.type === type);
}
