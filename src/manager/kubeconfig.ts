// Which cluster to talk to: --kubeconfig, else in-cluster when running in a pod, else KUBECONFIG
// or ~/.kube/config (client-node's loadFromDefault order).
import { existsSync, readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path !== undefined && path !== '') kc.loadFromFile(path);
  else if (process.env['KUBERNETES_SERVICE_HOST'] !== undefined) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (kc.getCurrentCluster() === null) throw new Error('no Kubernetes cluster configured: pass --kubeconfig, set KUBECONFIG, or run in a pod');
  return kc;
}

/** The pod's own namespace (for the Lease), when running in a cluster. */
export function podNamespace(): string | undefined {
  if (process.env['POD_NAMESPACE'] !== undefined && process.env['POD_NAMESPACE'] !== '') return process.env['POD_NAMESPACE'];
  return existsSync(SA_NAMESPACE_FILE) ? readFileSync(SA_NAMESPACE_FILE, 'utf8').trim() : undefined;
}
