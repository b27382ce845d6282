// Vitest globalSetup of the `integration` project: one control plane for the whole run.
// Tests read its kubeconfig path with `inject('kubeconfigPath')` (see kube.ts); child
// processes and non-vitest code can use the KUBECONFIG_TEST environment variable.
import type { TestProject } from 'vitest/node';
import { startControlPlane } from './control-plane.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const controlPlane = await startControlPlane();
  project.provide('kubeconfigPath', controlPlane.kubeconfigPath);
  process.env.KUBECONFIG_TEST = controlPlane.kubeconfigPath;
  return async () => {
    await controlPlane.stop();
  };
}
