// Helpers for integration tests that talk to the shared control plane.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { runKubectl, type KubectlOptions, type KubectlResult } from './kubectl.js';

/** The shared control plane's kubeconfig file (from the global setup). */
export function injectedKubeconfigPath(): string {
  // inject() only works inside vitest workers; KUBECONFIG_TEST covers other callers.
  const fromVitest = inject('kubeconfigPath') as string | undefined;
  const kubeconfigPath = fromVitest ?? process.env.KUBECONFIG_TEST;
  if (!kubeconfigPath) {
    throw new Error('No control plane: run with the integration project (vitest --project integration)');
  }
  return kubeconfigPath;
}

export function kubeConfigFromInjected(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(injectedKubeconfigPath());
  return kubeConfig;
}

export { kubectlBinary, type KubectlOptions, type KubectlResult } from './kubectl.js';

/** Runs kubectl against the shared control plane (or `options.kubeconfigPath`). */
export function kubectl(args: readonly string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  const { kubeconfigPath, ...rest } = options;
  return runKubectl(kubeconfigPath ?? injectedKubeconfigPath(), args, rest);
}

/**
 * Creates a namespace with a unique name starting with `prefix` and returns the name.
 * No kube-controller-manager runs on the local control plane unless a test starts one
 * (controller-manager.ts), so deleted namespaces would stay Terminating: tests isolate by
 * namespace and simply leave them behind.
 */
export async function createNamespace(kubeConfig: KubeConfig, prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const cleaned = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
  const name = `${cleaned || 'test'}-${randomBytes(4).toString('hex')}`;
  await kubeConfig.makeApiClient(CoreV1Api).createNamespace({
    body: { metadata: { name, labels: { ...labels, 'rtmp-push-operator.test/harness': 'true' } } },
  });
  return name;
}
