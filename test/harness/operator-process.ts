// The operator as a real child process (`node --import tsx src/main.ts run ...`), for the tests
// that need what only a process has: signals and exit codes, two replicas electing a leader, the
// whole stdout/stderr a log collector would see. Every output line is kept for assertions.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterEach } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import type { Deployment } from './helm.js';
import { freePort } from './process.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = path.join(REPO_ROOT, 'src', 'main.ts');

/** Variables a child inherits; everything else (RTMP_OPERATOR_*, KUBERNETES_SERVICE_HOST, ...) is dropped. */
const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'] as const;

export interface OperatorProcessOptions {
  /** Flags after `run`. */
  readonly args: readonly string[];
  /** Extra environment (e.g. RTMP_OPERATOR_* flag fallbacks, POD_NAME). */
  readonly env?: Readonly<Record<string, string>>;
  /** Label in diagnostics; also POD_NAME (the replica's Lease identity prefix) unless env sets one. */
  readonly name: string;
}

export interface ExitStatus {
  /** Exit code, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Date.now() when the exit was observed. */
  readonly at: number;
}

/** One parsed JSON log line (pino: level as label, msg, time, and the logged fields). */
export interface LogRecord {
  readonly level?: string;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

export class OperatorProcess {
  /** Every line the process wrote, stdout and stderr, in arrival order. */
  readonly lines: string[] = [];
  /** Resolves once the process has exited. */
  readonly exited: Promise<ExitStatus>;
  private readonly child: ChildProcessByStdio<null, Readable, Readable>;
  private exitStatus: ExitStatus | undefined;

  private constructor(readonly opts: OperatorProcessOptions) {
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    Object.assign(env, { POD_NAME: opts.name }, opts.env);
    // process.execPath is the Node that runs vitest (Node 24 from the node devDependency).
    this.child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'run', ...opts.args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.collect(this.child.stdout);
    this.collect(this.child.stderr);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal, at: Date.now() };
        resolve(this.exitStatus);
      });
    });
    live.add(this);
    started.push(this);
    void this.exited.then(() => live.delete(this));
  }

  static start(opts: OperatorProcessOptions): OperatorProcess {
    return new OperatorProcess(opts);
  }

  get name(): string {
    return this.opts.name;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  hasExited(): boolean {
    return this.exitStatus !== undefined;
  }

  /** The JSON log records (non-JSON lines, e.g. a crash's stack, are skipped). */
  records(): LogRecord[] {
    const out: LogRecord[] = [];
    for (const line of this.lines) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as LogRecord);
      } catch {
        // A partial or foreign line; the raw text stays in `lines`.
      }
    }
    return out;
  }

  /** Waits for a log record matching `predicate`; fails early if the process exits first. */
  async waitForLog(predicate: (r: LogRecord) => boolean, what: string, timeoutMs = 20_000): Promise<LogRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.records().find(predicate);
      if (found !== undefined) return found;
      if (this.exitStatus !== undefined) throw new Error(`${this.name} exited (${describeExit(this.exitStatus)}) before logging ${what}\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for log ${what}\n${this.tail()}`);
      await delay(25);
    }
  }

  /** Sends a signal (no-op after exit). */
  signal(sig: NodeJS.Signals): void {
    if (this.exitStatus === undefined) this.child.kill(sig);
  }

  /** SIGTERM, then the exit status; SIGKILL after `timeoutMs` (the test then sees signal SIGKILL). */
  async terminate(timeoutMs = 20_000): Promise<ExitStatus> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL and the exit status: a crash, or a node gone from under the pod. */
  async kill(): Promise<ExitStatus> {
    this.signal('SIGKILL');
    return this.exited;
  }

  /** The last lines, for failure messages. */
  tail(n = 40): string {
    return this.lines
      .slice(-n)
      .map((l) => `  [${this.name}] ${l}`)
      .join('\n');
  }

  private collect(stream: Readable): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) if (line !== '') this.lines.push(line);
    });
    stream.on('end', () => {
      if (partial !== '') this.lines.push(partial);
      partial = '';
    });
  }
}

function describeExit(s: ExitStatus): string {
  return s.signal !== null ? `signal ${s.signal}` : `code ${String(s.code)}`;
}

/** Processes still running; killed by killAllOperatorProcesses() (afterAll) so none outlives a file. */
const live = new Set<OperatorProcess>();
/** Every process started in this test file, for the failure report. */
const started: OperatorProcess[] = [];

/**
 * Registers an afterEach hook that prints the last log lines of every operator process started
 * so far when a test fails: the operator's side of a timeout is otherwise lost with the process.
 */
export function printOperatorLogsOnFailure(lines = 60): void {
  afterEach(({ task }) => {
    if (task.result?.state !== 'fail') return;
    for (const p of started) process.stderr.write(`--- last ${lines} lines of operator process ${p.name} ---\n${p.tail(lines)}\n`);
  });
}

export async function killAllOperatorProcesses(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
}

export interface ListenPorts {
  readonly callback: number;
  readonly health: number;
  readonly metrics: number;
}

/** Three free loopback ports for one replica's servers. */
export async function listenPorts(): Promise<ListenPorts> {
  return { callback: await freePort(), health: await freePort(), metrics: await freePort() };
}

/** The listen flags of `run` for those ports, on loopback only. */
export function listenFlags(ports: ListenPorts): string[] {
  return [`--callback-addr=127.0.0.1:${ports.callback}`, `--health-addr=127.0.0.1:${ports.health}`, `--metrics-addr=127.0.0.1:${ports.metrics}`];
}

export interface ElectingReplicaOptions {
  /** Label, and POD_NAME (the prefix of its Lease identity). */
  readonly name: string;
  /** The flags pointing it at a fixture (OperatorFixture.processArgs()). */
  readonly fixtureArgs: readonly string[];
  /** The Lease's namespace and name. */
  readonly namespace: string;
  readonly lease: string;
  readonly callbackToken: string;
}

/** One of several replicas electing a leader, with short timings: lease 3 s, renew deadline 2 s, retry 500 ms. */
export async function startElectingReplica(o: ElectingReplicaOptions): Promise<{ proc: OperatorProcess; ports: ListenPorts }> {
  const ports = await listenPorts();
  const proc = OperatorProcess.start({
    name: o.name,
    args: [
      ...o.fixtureArgs,
      '--vendor-qps=50',
      '--log-level=debug',
      '--shutdown-timeout=10s',
      '--leader-elect',
      `--leader-elect-namespace=${o.namespace}`,
      `--leader-elect-id=${o.lease}`,
      '--leader-elect-lease-duration=3s',
      '--leader-elect-renew-deadline=2s',
      '--leader-elect-retry-period=500ms',
      ...listenFlags(ports),
    ],
    env: { RTMP_OPERATOR_CALLBACK_TOKEN: o.callbackToken },
  });
  return { proc, ports };
}

/** GET http://127.0.0.1:PORT/PATH; status 0 when nothing answers (not listening yet, or gone). */
export async function httpGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** Polls until `probe` returns a value (not undefined); the failure names `what` and the last value seen. */
export { eventually } from '../support/eventually.js';

/** One sample of the Prometheus text exposition format. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the Prometheus text format (comments skipped; label values unescaped). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (m === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[lm[1] ?? ''] = (lm[2] ?? '').replace(/\\(.)/g, (_all, c: string) => (c === 'n' ? '\n' : c));
    }
    const raw = m[3] ?? '';
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    samples.push({ name: m[1] ?? '', labels, value });
  }
  return samples;
}

/** The samples of `name` whose labels include `labels`. */
export function samplesOf(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the matching samples' values (0 when none match). */
export function sampleSum(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number {
  return samplesOf(samples, name, labels).reduce((sum, s) => sum + s.value, 0);
}

/** Scrapes /metrics of a process's metrics port. */
export async function scrape(port: number): Promise<Sample[]> {
  const res = await httpGet(port, '/metrics');
  if (res.status !== 200) throw new Error(`GET /metrics on :${port}: HTTP ${res.status}`);
  return parsePrometheus(res.body);
}

// ---- The operator as a Deployment would run it ---------------------------------------------

/** The pod's view of a Deployment's operator container, resolved for a local process. */
export interface DeploymentProcessConfig {
  /** Flags after `run`, exactly as in the container args. */
  readonly args: string[];
  /** The container env with every valueFrom resolved. */
  readonly env: Record<string, string>;
  readonly serviceAccountName: string;
  readonly replicas: number;
}

/** Reads a Secret's key (decoded), for env valueFrom.secretKeyRef. */
export type SecretKeyReader = (name: string, key: string) => Promise<string>;

/**
 * Turns the Deployment's only container into the arguments and environment of `run`, resolving
 * env valueFrom the way the kubelet would (secretKeyRef through `readSecretKey`, fieldRef
 * metadata.name/namespace from `pod`). Fails on anything it cannot resolve, so a chart change the
 * test cannot honour shows up instead of being skipped.
 */
export async function processConfigFromDeployment(
  deployment: Deployment,
  readSecretKey: SecretKeyReader,
  pod: { readonly name: string; readonly namespace: string },
): Promise<DeploymentProcessConfig> {
  const spec = deployment.spec.template.spec;
  const [container, ...others] = spec.containers;
  if (container === undefined || others.length > 0) throw new Error(`expected one container in ${deployment.metadata.name}`);
  const [command, ...args] = container.args;
  if (command !== 'run') throw new Error(`expected the container args to start with "run", got ${JSON.stringify(container.args)}`);
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef !== undefined) env[e.name] = await readSecretKey(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = pod.name;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = pod.namespace;
    else throw new Error(`cannot resolve env ${e.name}: ${JSON.stringify(e)}`);
  }
  return { args, env, serviceAccountName: spec.serviceAccountName, replicas: deployment.spec.replicas };
}

/**
 * A kubeconfig file that authenticates as a ServiceAccount with a TokenRequest token, like the
 * token the kubelet mounts into the pod: what the operator can then do is exactly what RBAC
 * grants that account.
 */
export async function serviceAccountKubeconfig(admin: KubeConfig, namespace: string, serviceAccount: string, dir: string): Promise<{ path: string; kubeConfig: KubeConfig }> {
  const response = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3_600 } },
  });
  const token = response.status?.token;
  if (token === undefined || token === '') throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
  const cluster = admin.getCurrentCluster();
  if (cluster === null) throw new Error('the admin kubeconfig has no current cluster');
  const file = path.join(dir, `kubeconfig-${namespace}-${serviceAccount}`);
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'cluster',
        cluster: {
          server: cluster.server,
          ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
          ...(cluster.caData !== undefined ? { 'certificate-authority-data': cluster.caData } : {}),
          ...(cluster.caFile !== undefined ? { 'certificate-authority': cluster.caFile } : {}),
        },
      },
    ],
    users: [{ name: serviceAccount, user: { token } }],
    contexts: [{ name: 'sa', context: { cluster: 'cluster', user: serviceAccount, namespace } }],
    'current-context': 'sa',
  };
  await writeFile(file, stringifyYaml(doc), { mode: 0o600 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(file);
  return { path: file, kubeConfig };
}
