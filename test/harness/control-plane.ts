// A real Kubernetes control plane (etcd + kube-apiserver) for the integration tests.
//
// Sources, in order of preference:
//   1. KUBEBUILDER_ASSETS: a folder with `etcd` and `kube-apiserver` (controller-runtime's
//      envtest convention), started as local processes;
//   2. k3s in a container (@testcontainers/k3s) when a Docker engine answers;
//   3. the binaries that scripts/provision-control-plane.sh builds from Debian's packages into
//      the cache (the script is run here if they are missing and apt-get is available).
// RTMP_OPERATOR_CONTROL_PLANE=binaries|k3s forces one of the last two. Whatever is chosen,
// the caller gets a kubeconfig that authenticates with a bearer token and skips TLS
// verification, so every source looks the same to the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type AuthenticationV1TokenRequest,
} from '@kubernetes/client-node';
import {
  cacheBinDir,
  freePorts,
  helpMentions,
  httpsGetStatus,
  installExitHandler,
  isExecutable,
  kubernetesMinor,
  liveDirs,
  spawnLogged,
  tail,
  terminate,
  waitUntil,
} from './daemons.js';
import { startControllerManager, type ControllerManager } from './controller-manager.js';

export { cacheBinDir };

export interface ControlPlane {
  /** A kubeconfig file (token auth, insecure TLS) that kubectl and the operator can use. */
  kubeconfigPath: string;
  /** The same configuration, already loaded. */
  kubeConfig: KubeConfig;
  /** https://127.0.0.1:PORT (or the mapped k3s port). */
  server: string;
  /** Bearer token with cluster-admin rights. */
  token: string;
  /** Which source was used, for logs: e.g. "binaries (/root/.cache/...)" or "k3s (rancher/k3s:...)". */
  description: string;
  /** The control plane's own processes (binaries only; a k3s container has none), for CPU accounting. */
  processes: ReadonlyArray<{ readonly name: string; readonly pid: number }>;
  /**
   * Starts kube-controller-manager (namespace deletion, garbage collection) against this control
   * plane, stopped with it; opt-in for the CPU it costs. Fails if there is no binary.
   */
  startControllerManager(controllers?: readonly string[]): Promise<ControllerManager>;
  /** Stops the processes or container and removes the temporary files. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const DOCKER_PROBE_TIMEOUT_MS = 10_000;
const DEFAULT_K3S_IMAGE = 'rancher/k3s:v1.31.5-k3s1';
const PROVISION_SCRIPT = fileURLToPath(new URL('../../scripts/provision-control-plane.sh', import.meta.url));

function log(message: string): void {
  process.stderr.write(`[control-plane] ${message}\n`);
}

export async function startControlPlane(): Promise<ControlPlane> {
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets) {
    // An explicit setting must not fall through to something else silently.
    assertBinaries(assets, 'KUBEBUILDER_ASSETS');
    return startFromBinaries(assets);
  }

  const forced = process.env.RTMP_OPERATOR_CONTROL_PLANE;
  if (forced !== undefined && forced !== '' && forced !== 'k3s' && forced !== 'binaries') {
    throw new Error(`RTMP_OPERATOR_CONTROL_PLANE must be "k3s" or "binaries", not "${forced}"`);
  }

  if (forced === 'k3s' || (forced !== 'binaries' && (await dockerAnswers()))) {
    return startK3s();
  }

  const binDir = cacheBinDir();
  if (hasBinaries(binDir)) {
    return startFromBinaries(binDir);
  }
  if (canProvision()) {
    log(`no control-plane binaries in ${binDir}: running ${PROVISION_SCRIPT} (builds kube-apiserver, ~10 min)`);
    await runProvisionScript();
    assertBinaries(binDir, 'scripts/provision-control-plane.sh');
    return startFromBinaries(binDir);
  }
  throw new Error(
    'No Kubernetes control plane available for the integration tests. Provide one of:\n' +
      '  - KUBEBUILDER_ASSETS=<folder with etcd and kube-apiserver executables> (e.g. from `setup-envtest use -p path`);\n' +
      '  - a running Docker engine (k3s is started with @testcontainers/k3s);\n' +
      `  - on Debian as root: scripts/provision-control-plane.sh (builds them into ${binDir}).`,
  );
}

// ---------------------------------------------------------------------------------------
// Local etcd + kube-apiserver processes

function hasBinaries(dir: string): boolean {
  return ['etcd', 'kube-apiserver'].every((name) => isExecutable(path.join(dir, name)));
}

function assertBinaries(dir: string, source: string): void {
  if (!hasBinaries(dir)) {
    throw new Error(`${source}: ${dir} must contain executable \`etcd\` and \`kube-apiserver\``);
  }
}

export async function startFromBinaries(binDir: string): Promise<ControlPlane> {
  installExitHandler();
  const started = Date.now();
  const workDir = await mkdtemp(path.join(tmpdir(), 'rtmp-control-plane-'));
  liveDirs.add(workDir);
  const children: ChildProcess[] = [];
  const managers: ControllerManager[] = [];
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const manager of managers.splice(0)) await manager.stop();
    // apiserver first, so it doesn't log a storm of etcd connection errors on the way down.
    for (const child of [...children].reverse()) await terminate(child);
    await rm(workDir, { recursive: true, force: true });
    liveDirs.delete(workDir);
  };

  try {
    const [etcdClientPort, etcdPeerPort, apiserverPort] = await freePorts(3);
    if (etcdClientPort === undefined || etcdPeerPort === undefined || apiserverPort === undefined) {
      throw new Error('could not allocate loopback ports');
    }
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const etcdPeerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcdLog = path.join(workDir, 'etcd.log');
    const apiserverLog = path.join(workDir, 'kube-apiserver.log');
    const logTails = async (): Promise<string> =>
      `--- etcd.log (tail) ---\n${await tail(etcdLog)}\n--- kube-apiserver.log (tail) ---\n${await tail(apiserverLog)}`;

    const etcd = spawnLogged(
      path.join(binDir, 'etcd'),
      [
        '--name=harness',
        `--data-dir=${path.join(workDir, 'etcd-data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${etcdPeerUrl}`,
        `--initial-advertise-peer-urls=${etcdPeerUrl}`,
        `--initial-cluster=harness=${etcdPeerUrl}`,
        ...((await helpMentions(path.join(binDir, 'etcd'), '--unsafe-no-fsync')) ? ['--unsafe-no-fsync'] : []),
      ],
      etcdLog,
    );
    children.push(etcd);
    await waitUntil('etcd /health', READY_TIMEOUT_MS, [etcd], logTails, async () => {
      const response = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      return response.ok;
    });

    const token = randomBytes(24).toString('hex');
    const tokenFile = path.join(workDir, 'tokens.csv');
    await writeFile(tokenFile, `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });
    const keyFile = path.join(workDir, 'service-account.key');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(keyFile, privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });

    const apiserverBin = path.join(binDir, 'kube-apiserver');
    const minor = await kubernetesMinor(apiserverBin);
    const apiserver = spawnLogged(
      apiserverBin,
      [
        `--etcd-servers=${etcdUrl}`,
        `--secure-port=${apiserverPort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--cert-dir=${path.join(workDir, 'certs')}`,
        `--token-auth-file=${tokenFile}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${keyFile}`,
        `--service-account-signing-key-file=${keyFile}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        // Before 1.24 the apiserver also serves an unauthenticated port, 8080 by default,
        // which would collide between two instances (and bypass auth).
        ...(minor !== undefined && minor < 24 ? ['--insecure-port=0'] : []),
      ],
      apiserverLog,
    );
    children.push(apiserver);

    const server = `https://127.0.0.1:${apiserverPort}`;
    await waitUntil('kube-apiserver /readyz', READY_TIMEOUT_MS, [etcd, apiserver], logTails, async () => {
      return (await httpsGetStatus(`${server}/readyz`, token)) === 200;
    });

    const kubeconfigPath = path.join(workDir, 'kubeconfig');
    const kubeConfig = await writeKubeconfig(kubeconfigPath, server, token);
    await ensureNamespace(kubeConfig, 'default');
    const description = `binaries (${binDir}, Kubernetes 1.${minor ?? '?'})`;
    log(`${description} ready at ${server} in ${((Date.now() - started) / 1000).toFixed(1)} s; files in ${workDir}`);
    const withControllerManager = async (controllers?: readonly string[]): Promise<ControllerManager> => {
      if (stopped) throw new Error('the control plane is stopped');
      const manager = await startControllerManager({ kubeconfigPath, binDir, ...(controllers !== undefined ? { controllers } : {}) });
      managers.push(manager);
      return manager;
    };
    const processes = [
      { name: 'kube-apiserver', pid: apiserver.pid },
      { name: 'etcd', pid: etcd.pid },
    ].filter((p): p is { name: string; pid: number } => p.pid !== undefined);
    return { kubeconfigPath, kubeConfig, server, token, description, processes, startControllerManager: withControllerManager, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function writeKubeconfig(file: string, server: string, token: string): Promise<KubeConfig> {
  // JSON is valid YAML, and kubectl reads it like any kubeconfig.
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'harness', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'harness-admin', user: { token } }],
    contexts: [{ name: 'harness', context: { cluster: 'harness', user: 'harness-admin', namespace: 'default' } }],
    'current-context': 'harness',
  };
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(file);
  return kubeConfig;
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') {
    return error.code;
  }
  return undefined;
}

async function ensureNamespace(kubeConfig: KubeConfig, name: string): Promise<void> {
  try {
    await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  } catch (error) {
    if (httpStatusOf(error) !== 409) throw error;
  }
}

// ---------------------------------------------------------------------------------------
// Debian provisioning

function canProvision(): boolean {
  return existsSync('/usr/bin/apt-get') && process.getuid?.() === 0 && existsSync(PROVISION_SCRIPT);
}

async function runProvisionScript(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    // Progress (stderr) goes straight to ours; stdout only names the bin folder.
    const child = spawn('bash', [PROVISION_SCRIPT], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${PROVISION_SCRIPT} failed with exit code ${code ?? 'none'}`)),
    );
  });
}

// ---------------------------------------------------------------------------------------
// k3s in Docker

/** Whether a Docker engine answers; cheap when there is obviously none, bounded otherwise. */
async function dockerAnswers(): Promise<boolean> {
  const home = homedir();
  const hints = [
    process.env.DOCKER_HOST,
    existsSync('/var/run/docker.sock') ? 'socket' : undefined,
    existsSync(path.join(home, '.testcontainers.properties')) ? 'properties' : undefined,
    existsSync(path.join(home, '.docker', 'run', 'docker.sock')) ? 'socket' : undefined,
    existsSync(path.join(home, '.docker', 'desktop', 'docker.sock')) ? 'socket' : undefined,
    process.env.XDG_RUNTIME_DIR && existsSync(path.join(process.env.XDG_RUNTIME_DIR, 'docker.sock'))
      ? 'socket'
      : undefined,
  ];
  if (!hints.some((hint) => hint !== undefined && hint !== '')) return false;

  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${DOCKER_PROBE_TIMEOUT_MS / 1000} s`)), DOCKER_PROBE_TIMEOUT_MS);
      }),
    ]);
    return true;
  } catch (error) {
    log(`Docker engine not usable (${error instanceof Error ? error.message : String(error)}); not using k3s`);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function startK3s(): Promise<ControlPlane> {
  const started = Date.now();
  const image = process.env.K3S_IMAGE || DEFAULT_K3S_IMAGE;
  log(`starting k3s (${image}) with testcontainers`);
  const { K3sContainer } = await import('@testcontainers/k3s');
  const container = await new K3sContainer(image).start();
  const workDir = await mkdtemp(path.join(tmpdir(), 'rtmp-control-plane-'));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await container.stop();
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    const admin = new KubeConfig();
    admin.loadFromString(container.getKubeConfig());
    const server = admin.getCurrentCluster()?.server;
    if (server === undefined) throw new Error('k3s kubeconfig has no server');
    // k3s authenticates its admin with a client certificate; the harness promises a token.
    const token = await mintAdminToken(admin);
    const kubeconfigPath = path.join(workDir, 'kubeconfig');
    const kubeConfig = await writeKubeconfig(kubeconfigPath, server, token);
    await ensureNamespace(kubeConfig, 'default');
    const description = `k3s (${image})`;
    log(`${description} ready at ${server} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // k3s runs its own; startControllerManager finds its Lease and starts nothing.
    const ownControllerManager = (controllers?: readonly string[]): Promise<ControllerManager> =>
      startControllerManager({ kubeconfigPath, ...(controllers !== undefined ? { controllers } : {}) });
    return { kubeconfigPath, kubeConfig, server, token, description, processes: [], startControllerManager: ownControllerManager, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A cluster-admin bearer token through the TokenRequest API: a service account
 * `kube-system/harness-admin` bound to `cluster-admin`. Exported so the path can be checked
 * against any control plane, not only k3s.
 */
export async function mintAdminToken(admin: KubeConfig, expirationSeconds = 24 * 3600): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const name = 'harness-admin';
  const namespace = 'kube-system';
  const ignoreConflict = (error: unknown): void => {
    if (httpStatusOf(error) !== 409) throw error;
  };
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }).catch(ignoreConflict);
  await rbac
    .createClusterRoleBinding({
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      },
    })
    .catch(ignoreConflict);
  // An empty audience list means the apiserver's own audiences.
  const body: AuthenticationV1TokenRequest = { spec: { audiences: [], expirationSeconds } };
  const response = await core.createNamespacedServiceAccountToken({ name, namespace, body });
  const token = response.status?.token;
  if (!token) throw new Error('TokenRequest returned no token');
  return token;
}
