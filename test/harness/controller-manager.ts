// kube-controller-manager for the tests that need what it does: namespace deletion (a namespace
// stays Terminating without it) and garbage collection of owned objects. Opt-in, because its
// garbage collector watches every resource type and costs CPU that most tests do not need.
//
// Against a cluster that already runs one (k3s), nothing is started. Otherwise the binary comes
// from KUBEBUILDER_ASSETS or the cache scripts/provision-control-plane.sh fills; if there is none,
// this fails: a test that needs namespace deletion must not pass by never deleting anything.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { cacheBinDir, freePorts, httpsGetStatus, isExecutable, kubernetesMinor, liveDirs, spawnLogged, tail, terminate, waitUntil } from './daemons.js';

export interface ControllerManager {
  /** What runs, for logs: our process and its binary, or the cluster's own. */
  readonly description: string;
  /** Stops our process (the cluster's own is left alone). Idempotent. */
  stop(): Promise<void>;
}

export interface ControllerManagerOptions {
  /** A kubeconfig with admin rights on the test apiserver. */
  readonly kubeconfigPath: string;
  /** Folder holding kube-controller-manager; default KUBEBUILDER_ASSETS if it has one, else the cache. */
  readonly binDir?: string;
  /** Default: namespace and garbagecollector. */
  readonly controllers?: readonly string[];
}

export const BINARY = 'kube-controller-manager';
const READY_TIMEOUT_MS = 60_000;
/** A leader-election Lease renewed this recently means the cluster runs its own. */
const LIVE_LEASE_MS = 60_000;

export async function startControllerManager(opts: ControllerManagerOptions): Promise<ControllerManager> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(opts.kubeconfigPath);
  if (await clusterRunsItsOwn(kubeConfig)) {
    return { description: "the cluster's own kube-controller-manager", stop: () => Promise.resolve() };
  }
  const binary = findBinary(opts.binDir);
  const controllers = opts.controllers ?? ['namespace', 'garbagecollector'];
  const workDir = await mkdtemp(path.join(tmpdir(), 'rtmp-controller-manager-'));
  liveDirs.add(workDir);
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('could not allocate a loopback port');
  const minor = await kubernetesMinor(binary);
  const logFile = path.join(workDir, `${BINARY}.log`);
  const child = spawnLogged(
    binary,
    [
      `--kubeconfig=${opts.kubeconfigPath}`,
      '--leader-elect=false',
      `--controllers=${controllers.join(',')}`,
      // Its own credentials, not one service account per controller: no token controller runs.
      '--use-service-account-credentials=false',
      // Health on a loopback HTTPS port with a self-signed certificate; /healthz is authorised
      // without a kubeconfig for authentication (--authorization-always-allow-paths default).
      `--secure-port=${port}`,
      '--bind-address=127.0.0.1',
      `--cert-dir=${path.join(workDir, 'certs')}`,
      // Before 1.24 it also serves an unauthenticated port, 10252 by default, which two instances
      // would fight over.
      ...(minor !== undefined && minor < 24 ? ['--port=0'] : []),
      '--concurrent-gc-syncs=4',
      '--concurrent-namespace-syncs=4',
    ],
    logFile,
  );
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await terminate(child);
    await rm(workDir, { recursive: true, force: true });
    liveDirs.delete(workDir);
  };
  try {
    const logTails = async (): Promise<string> => `--- ${BINARY}.log (tail) ---\n${await tail(logFile)}`;
    await waitUntil(`${BINARY} /healthz`, READY_TIMEOUT_MS, [child], logTails, async () => (await httpsGetStatus(`https://127.0.0.1:${port}/healthz`)) === 200);
  } catch (error) {
    await stop();
    throw error;
  }
  return { description: `${binary} (controllers ${controllers.join(', ')}; log ${logFile})`, stop };
}

function findBinary(binDir: string | undefined): string {
  const candidates = binDir !== undefined ? [binDir] : [process.env.KUBEBUILDER_ASSETS, cacheBinDir()].filter((d): d is string => d !== undefined && d !== '');
  for (const dir of candidates) {
    const file = path.join(dir, BINARY);
    if (isExecutable(file)) return file;
  }
  throw new Error(
    `no executable ${BINARY} in ${candidates.join(' or ')}: run scripts/provision-control-plane.sh (it builds ${BINARY} beside kube-apiserver), or put one into KUBEBUILDER_ASSETS`,
  );
}

/** k3s and real clusters run theirs with leader election: a fresh Lease says so. */
async function clusterRunsItsOwn(kubeConfig: KubeConfig): Promise<boolean> {
  try {
    const lease = await kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: BINARY, namespace: 'kube-system' });
    const renewed = lease.spec?.renewTime;
    return renewed !== undefined && Date.now() - new Date(renewed).getTime() < LIVE_LEASE_MS;
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === 404) return false;
    throw error;
  }
}
