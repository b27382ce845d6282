// Helpers for integration tests that talk to the shared control plane.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { cacheBinDir } from './control-plane.js';

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

export interface KubectlOptions {
  /** Defaults to the shared control plane's kubeconfig. */
  kubeconfigPath?: string;
  /** Written to kubectl's stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** Kills kubectl after this long; defaults to 30 s. */
  timeoutMs?: number;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The kubectl executable: $KUBECTL, kubectl on PATH, or one in the control-plane cache. */
export function kubectlBinary(): string {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  const candidates = [
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'kubectl')),
    path.join(cacheBinDir(), 'kubectl'),
  ];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error('kubectl not found: run scripts/provision-control-plane.sh (puts one in the cache), install one, or set KUBECTL');
}

/**
 * Runs kubectl against the control plane. Resolves with the exit code and output whatever
 * the exit code; rejects only if kubectl cannot be started or times out.
 */
export function kubectl(args: readonly string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  const kubeconfigPath = options.kubeconfigPath ?? injectedKubeconfigPath();
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlBinary(), [`--kubeconfig=${kubeconfigPath}`, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl ${args.join(' ')}: timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Creates a namespace with a unique name starting with `prefix` and returns the name.
 * No kube-controller-manager runs on the local control plane, so deleted namespaces would
 * stay Terminating: tests isolate by namespace and simply leave them behind.
 */
export async function createNamespace(kubeConfig: KubeConfig, prefix: string): Promise<string> {
  const cleaned = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
  const name = `${cleaned || 'test'}-${randomBytes(4).toString('hex')}`;
  await kubeConfig.makeApiClient(CoreV1Api).createNamespace({
    body: { metadata: { name, labels: { 'rtmp-push-operator.test/harness': 'true' } } },
  });
  return name;
}
