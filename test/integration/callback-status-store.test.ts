// The callback writer's Kubernetes side against a real kube-apiserver: the /status merge patch with
// a resourceVersion precondition (409 when stale), and two replicas, each with its own informer
// cache, writing callbacks for the same task without losing one another's reports.
// A CRD of its own (same shape as far as the writer cares) keeps it independent of the
// RtmpPushTask CRD other tests install.
import { ApiextensionsV1Api, CustomObjectsApi, type KubernetesObject, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnvalidatedRtmpPushTask } from '../../src/api/v1alpha1/types.js';
import { CallbackWriter, StatusWriteCounter } from '../../src/callback/callback-writer.js';
import { customObjectStore, type CustomResource } from '../../src/runtime/custom-object-store.js';
import { Informer } from '../../src/runtime/informer.js';
import { httpStatusOf } from '../../src/runtime/kube-client.js';
import { KubeClients } from '../../src/runtime/kube-clients.js';
import { createNamespace, kubeConfigFromInjected } from '../harness/kube.js';
import { eventually } from '../support/eventually.js';

const resource: CustomResource = { group: 'callbacktest.rtmp.test.io', version: 'v1', plural: 'callbacktasks' };
const logger = pino({ level: 'silent' });
const A = 'rtmp://cdn.example.com/live/a?auth_key=secret-a';
const B = 'rtmp://cdn.example.com/live/b';

const crd: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${resource.plural}.${resource.group}` },
  spec: {
    group: resource.group,
    scope: 'Namespaced',
    names: { plural: resource.plural, singular: 'callbacktask', kind: 'CallbackTask', listKind: 'CallbackTaskList' },
    versions: [
      {
        name: resource.version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
              status: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
            },
          },
        },
      },
    ],
  },
};


describe('callback status writes against kube-apiserver', () => {
  const kc = kubeConfigFromInjected();
  const objects = kc.makeApiClient(CustomObjectsApi);
  const store = customObjectStore<UnvalidatedRtmpPushTask>(KubeClients.for(kc), resource, 'rtmp-push-operator-callback');
  let namespace: string;

  beforeAll(async () => {
    namespace = await createNamespace(kc, 'callback');
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    await extensions.createCustomResourceDefinition({ body: crd }).catch((error: unknown) => {
      if (httpStatusOf(error) !== 409) throw error;
    });
    await eventually('CRD served', async () => {
      await objects.listNamespacedCustomObject({ ...resource, namespace });
      return true;
    });
  });

  afterAll(async () => {
    await kc
      .makeApiClient(ApiextensionsV1Api)
      .deleteCustomResourceDefinition({ name: `${resource.plural}.${resource.group}` })
      .catch(() => undefined);
  });

  async function create(name: string, rtmpurls: string[]): Promise<UnvalidatedRtmpPushTask> {
    const body = {
      apiVersion: `${resource.group}/${resource.version}`,
      kind: 'CallbackTask',
      metadata: { name },
      spec: { appid: '1470236061', roomid: '123', streamtype: 2, uid: '111', rtmpurls },
    };
    await objects.createNamespacedCustomObject({ ...resource, namespace, body });
    // The reconciler's part: it started the push and said so.
    const started = {
      observedGeneration: 1,
      active: { appid: '1470236061', roomid: '123', streamtype: 2, uid: '111' },
      conditions: [{ type: 'Synced', status: 'True', reason: 'Accepted', message: 'ok', lastTransitionTime: '2026-11-25T09:00:00Z', observedGeneration: 1 }],
    };
    const current = await store.get(`${namespace}/${name}`, AbortSignal.timeout(10_000));
    return store.patchStatus(`${namespace}/${name}`, current!.metadata.resourceVersion!, started, AbortSignal.timeout(10_000));
  }

  it('merge-patches /status guarded by resourceVersion: 409 when stale, 404 when gone', async () => {
    const task = await create('store', [A]);
    const key = `${namespace}/store`;
    const rv = task.metadata.resourceVersion!;
    const destination = { url: 'rtmp://cdn.example.com/live/a?auth_key=REDACTED', state: 'Pushing' as const, code: 3000, errcode: 0, description: '', lastCallbackTime: '2026-11-25T10:00:00.000Z', version: '18446744073709551615' };
    const patched = await store.patchStatus(key, rv, { destinations: [destination] }, AbortSignal.timeout(10_000));
    expect(patched.status).toMatchObject({ destinations: [destination], active: { uid: '111' } });
    expect(patched.spec).toMatchObject({ rtmpurls: [A] });

    const stale = await store.patchStatus(key, rv, { destinations: [] }, AbortSignal.timeout(10_000)).catch((e: unknown) => e);
    expect(httpStatusOf(stale)).toBe(409);
    expect((await store.get(key, AbortSignal.timeout(10_000)))?.status).toMatchObject({ destinations: [destination] });

    expect(await store.get(`${namespace}/nope`, AbortSignal.timeout(10_000))).toBeUndefined();
    const gone = await store.patchStatus(`${namespace}/nope`, '1', { destinations: [] }, AbortSignal.timeout(10_000)).catch((e: unknown) => e);
    expect(httpStatusOf(gone)).toBe(404);
  });

  it('two replicas writing callbacks for one task keep both addresses, newest versions, few writes', async () => {
    await create('replicas', [A, B]);
    const key = `${namespace}/replicas`;
    const path = `/apis/${resource.group}/${resource.version}/namespaces/${namespace}/${resource.plural}`;
    const replicas = [0, 1].map(() => {
      const informer = new Informer<KubernetesObject>({ kubeConfig: kc, path, logger });
      const counter = new StatusWriteCounter();
      const writer = new CallbackWriter({
        // The informer holds the raw JSON objects (timestamps as strings), which is what this type says.
        getTask: (k) => informer.get(namespace, k.slice(namespace.length + 1)) as UnvalidatedRtmpPushTask | undefined,
        store,
        logger,
        refreshMs: 60_000,
        staleMs: 300_000,
        hooks: counter,
      });
      return { informer, writer, counter };
    });
    try {
      for (const r of replicas) r.informer.start();
      await Promise.all(replicas.map((r) => r.informer.waitForSync()));
      for (const r of replicas) r.writer.start();

      // The vendor's heartbeats for both addresses land on either replica, some out of order.
      for (let v = 1; v <= 200; v++) {
        const r = replicas[v % 2]!;
        r.writer.record(key, { url: v % 3 === 0 ? B : A, status: 3000, errcode: 0, description: '', version: BigInt(v) });
        if (v % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      replicas[0]!.writer.record(key, { url: A, status: 3002, errcode: 1003, description: 'rejected', version: 500n });
      await Promise.all(replicas.map((r) => r.writer.whenIdle()));

      const final = await store.get(key, AbortSignal.timeout(10_000));
      const status = final?.status as { destinations: Array<{ url: string; state: string; version: string }>; conditions: Array<{ type: string; status: string; reason: string }> };
      expect(status.destinations.map((d) => [d.url, d.state])).toEqual([
        ['rtmp://cdn.example.com/live/a?auth_key=REDACTED', 'Interrupted'],
        [B, 'Pushing'],
      ]);
      expect(status.destinations[0]!.version).toBe('500');
      expect(status.conditions.find((c) => c.type === 'Streaming')).toMatchObject({ status: 'False', reason: 'Interrupted' });
      const writes = replicas.reduce((n, r) => n + r.counter.writes, 0);
      // First report per address and replica, the 3002, and little else.
      expect(writes).toBeLessThanOrEqual(8);
      expect(replicas.reduce((n, r) => n + r.counter.failures, 0)).toBe(0);
    } finally {
      await Promise.all(replicas.map((r) => r.writer.shutdown({ deadlineMs: 2_000 })));
      await Promise.all(replicas.map((r) => r.informer.stop()));
    }
  });
});
