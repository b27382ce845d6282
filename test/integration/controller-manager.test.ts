// The opt-in kube-controller-manager of the harness: a deleted namespace is emptied and goes away,
// and an object whose owner is deleted is collected. Without it both stay forever, so a test that
// relies on either must start it (and fails if it cannot).
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControllerManager, type ControllerManager } from '../harness/controller-manager.js';
import { createNamespace, injectedKubeconfigPath, kubeConfigFromInjected } from '../harness/kube.js';

let manager: ControllerManager | undefined;
let kubeConfig: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  kubeConfig = kubeConfigFromInjected();
  core = kubeConfig.makeApiClient(CoreV1Api);
  manager = await startControllerManager({ kubeconfigPath: injectedKubeconfigPath() });
});

afterAll(async () => {
  await manager?.stop();
});

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
}

/** Resolves once `read` answers 404; fails with the last state seen after the timeout. */
async function gone(what: string, read: () => Promise<unknown>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await read();
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw error;
    }
    if (Date.now() > deadline) throw new Error(`${what} still there after ${timeoutMs} ms: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('kube-controller-manager in the harness', () => {
  it('deletes a namespace with its content', async () => {
    const namespace = await createNamespace(kubeConfig, 'cm-namespace');
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'content' }, data: { a: '1' } } });
    await core.deleteNamespace({ name: namespace });
    await gone(`namespace ${namespace}`, () => core.readNamespace({ name: namespace }));
    await gone('its ConfigMap', () => core.readNamespacedConfigMap({ namespace, name: 'content' }));
  });

  it('collects an object whose owner is deleted', async () => {
    const namespace = await createNamespace(kubeConfig, 'cm-gc');
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } });
    const uid = owner.metadata?.uid;
    expect(uid).toBeDefined();
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'dependent', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: uid ?? '' }] } },
    });
    await core.deleteNamespacedConfigMap({ namespace, name: 'owner' });
    await gone('the dependent ConfigMap', () => core.readNamespacedConfigMap({ namespace, name: 'dependent' }));
    await core.deleteNamespace({ name: namespace });
  });

  it('fails, rather than skips, when there is no binary', async () => {
    await expect(startControllerManager({ kubeconfigPath: injectedKubeconfigPath(), binDir: '/nonexistent' })).rejects.toThrow(
      /no executable kube-controller-manager in \/nonexistent: run scripts\/provision-control-plane\.sh/,
    );
  });
});
