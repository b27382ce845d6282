// Proves the integration harness: a real apiserver answers, namespaces and kubectl work, and
// a custom resource with a /status subresource can be written and merge-patched (the write
// that crashed kube-apiserver 1.20 built with reflect2 1.0.1 under Go >= 1.18).
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  VersionApi,
  setHeaderOptions,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, kubeConfigFromInjected, kubectl } from '../harness/kube.js';
import { eventually } from '../support/eventually.js';

const group = 'harness.test.io';
const version = 'v1';
const plural = 'widgets';

interface Widget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number };
  spec: { size: number };
  status?: { phase?: string; observedGeneration?: number };
}

const crd: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural, singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } }, required: ['size'] },
              status: {
                type: 'object',
                properties: { phase: { type: 'string' }, observedGeneration: { type: 'integer', format: 'int64' } },
              },
            },
          },
        },
      },
    ],
  },
};


describe('integration control plane', () => {
  const kc = kubeConfigFromInjected();
  let namespace: string;

  beforeAll(async () => {
    namespace = await createNamespace(kc, 'harness');
  });

  it('answers with a Kubernetes version', async () => {
    const info = await kc.makeApiClient(VersionApi).getCode();
    expect(info.gitVersion).toMatch(/^v1\.\d+\./);
  });

  it('has the default namespace and the one created for this test', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await expect(core.readNamespace({ name: 'default' })).resolves.toBeDefined();
    const created = await core.readNamespace({ name: namespace });
    expect(created.metadata?.name).toBe(namespace);
  });

  it('is reachable with kubectl through the helper', async () => {
    const result = await kubectl(['get', 'namespace', namespace, '-o', 'jsonpath={.metadata.name}']);
    expect(result, result.stderr).toMatchObject({ code: 0, stdout: namespace });
  });

  it('serves a CRD with a /status subresource that takes merge patches', async () => {
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    await extensions.createCustomResourceDefinition({ body: crd });
    await eventually('CRD Established', async () => {
      const current = await extensions.readCustomResourceDefinition({ name: `${plural}.${group}` });
      const established = current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      return established ? true : undefined;
    });

    const objects = kc.makeApiClient(CustomObjectsApi);
    const widget: Widget = {
      apiVersion: `${group}/${version}`,
      kind: 'Widget',
      metadata: { name: 'first' },
      spec: { size: 3 },
    };
    // Established can precede the moment the new resource's handler serves requests.
    const created = await eventually(
      'create Widget',
      async () => (await objects.createNamespacedCustomObject({ group, version, namespace, plural, body: widget })) as Widget,
    );
    expect(created.metadata.generation).toBe(1);

    // The schema is enforced (structural schema, not a pass-through).
    await expect(
      objects.createNamespacedCustomObject({
        group,
        version,
        namespace,
        plural,
        body: { ...widget, metadata: { name: 'invalid' }, spec: { size: 0 } },
      }),
    ).rejects.toMatchObject({ code: 422 });

    const patched = (await objects.patchNamespacedCustomObjectStatus(
      { group, version, namespace, plural, name: 'first', body: { status: { phase: 'Ready', observedGeneration: 1 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Widget;
    expect(patched.status).toEqual({ phase: 'Ready', observedGeneration: 1 });

    const read = (await objects.getNamespacedCustomObject({ group, version, namespace, plural, name: 'first' })) as Widget;
    // A status write leaves spec and generation alone: the subresource is really separate.
    expect(read.spec).toEqual({ size: 3 });
    expect(read.metadata.generation).toBe(1);
    expect(read.status?.phase).toBe('Ready');

    const listed = await kubectl(['get', plural, '-n', namespace, '-o', 'jsonpath={.items[*].status.phase}']);
    expect(listed, listed.stderr).toMatchObject({ code: 0, stdout: 'Ready' });
  });
});
