import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and integration tests that run against a real
// kube-apiserver + etcd (started once by the global setup) and the vendor emulator over HTTP.
export default defineConfig({
  test: {
    reporters: ['default', './test/harness/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // One control plane is shared; files run one at a time so timing-sensitive tests
          // (leader election, watch interruption) don't compete for the two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
