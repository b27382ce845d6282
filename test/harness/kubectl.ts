// Runs the kubectl binary against a kubeconfig. Free of vitest, so the dev command
// (scripts/dev.ts) and the tests share it.
import { accessSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { cacheBinDir } from './control-plane.js';
import { runProcess, type ProcessResult } from './process.js';

export interface KubectlOptions {
  /** Defaults to the shared control plane's kubeconfig. */
  kubeconfigPath?: string;
  /** Written to kubectl's stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** Kills kubectl after this long; defaults to 30 s. */
  timeoutMs?: number;
}

export type KubectlResult = ProcessResult;

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
export function runKubectl(kubeconfigPath: string, args: readonly string[], options: Omit<KubectlOptions, 'kubeconfigPath'> = {}): Promise<KubectlResult> {
  return runProcess(kubectlBinary(), [`--kubeconfig=${kubeconfigPath}`, ...args], {
    ...(options.input !== undefined ? { input: options.input } : {}),
    timeoutMs: options.timeoutMs ?? 30_000,
  });
}
