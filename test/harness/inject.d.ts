// Values that test/harness/global-setup.ts provides to the integration tests.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Kubeconfig file (cluster-admin token) of the shared control plane. */
    kubeconfigPath: string;
  }
}

export {};
