// An operator under test: the vendor emulator plus the real operator (runOperator, in this
// process) watching one fresh namespace of the shared control plane, with a credentials Secret
// and the CRD installed. Integration tests drive it through the Kubernetes API and kubectl and
// assert on the emulator's record of vendor calls.
import { Writable } from 'node:stream';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CoordinationV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import pino from 'pino';
import { GROUP, PLURAL, VERSION } from '../../src/api/v1alpha1/constants.js';
import { CRD_FILE } from '../../src/api/v1alpha1/crd-files.js';
import type { CallbackSettings } from '../../src/callback/settings.js';
import type { Account } from '../../src/emulator/accounts.js';
import { startEmulator } from '../../src/emulator/server.js';
import { runOperator, type OperatorSettings } from '../../src/manager/operator.js';
import { createNamespace, injectedKubeconfigPath } from './kube.js';
import { runKubectl } from './kubectl.js';
import { freePort } from './process.js';
import { TaskClient, type TaskObject } from './task-client.js';

export { freePort } from './process.js';
export { condition, TaskClient, type TaskObject } from './task-client.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const CALLBACK_TOKEN = 'test-callback-token-7c1e';
export const CREDENTIALS_SECRET = 'jocloud-credentials';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/** Per control plane (kubeconfig file): the benchmarks start a fresh one for each run. */
const crdInstalled = new Map<string, Promise<void>>();

/** Installs the generated CRD once per control plane and waits until it is Established. */
export function ensureCrd(kubeconfigPath = injectedKubeconfigPath()): Promise<void> {
  const installed = crdInstalled.get(kubeconfigPath);
  if (installed !== undefined) return installed;
  const installing = (async () => {
    const apply = await runKubectl(kubeconfigPath, ['apply', '-f', path.join(REPO_ROOT, CRD_FILE)]);
    if (apply.code !== 0) throw new Error(`installing the CRD failed: ${apply.stderr}`);
    const wait = await runKubectl(kubeconfigPath, ['wait', '--for=condition=Established', `crd/${PLURAL}.${GROUP}`, '--timeout=60s']);
    if (wait.code !== 0) throw new Error(`the CRD did not become Established: ${wait.stderr}`);
  })();
  crdInstalled.set(kubeconfigPath, installing);
  return installing;
}

export interface OperatorFixtureOptions {
  /** Namespace prefix; a unique namespace is created. */
  readonly prefix?: string;
  /** Overrides of the operator's settings (defaults: namespace-scoped, callbacks on, no leader election). */
  readonly settings?: Partial<OperatorSettings>;
  /** Callback timing (defaults: refresh 60 s, stale after 5 min). */
  readonly callbacks?: Partial<CallbackSettings> | false;
  /** Period of the emulator's repeated callbacks (default 60 s, so tests trigger them with tick()). */
  readonly callbackIntervalMs?: number;
  /** Don't start the operator yet (start() later). */
  readonly deferStart?: boolean;
  /** The emulator's accounts (default: its dev account); the credentials Secret holds the first. */
  readonly accounts?: readonly Account[];
  /** The control plane's kubeconfig; defaults to the one the vitest global setup provides (set it outside vitest, e.g. in bench/). */
  readonly kubeconfigPath?: string;
}

/** A further operator instance on the fixture's namespace (see OperatorFixture.startReplica). */
export interface OperatorReplica {
  readonly callbackPort: number;
  /** Its JSON log lines. */
  readonly logs: string[];
  /** The identity it competes for the Lease with (from its first log line). */
  identity(): string | undefined;
  /** Stops it like SIGTERM; resolves with its exit code. */
  stop(): Promise<number>;
}

/** A watch on one task that records every version of it the API server sends (writes = changes.length). */
export interface TaskWatch {
  /** Each ADDED/MODIFIED object, in order. */
  readonly changes: TaskObject[];
  /** Distinct resourceVersions seen after the watch started. */
  resourceVersions(): string[];
  /** Why the watch ended (an error, an ERROR event, or stop()); undefined while it runs. */
  failure(): unknown;
  /**
   * Resolves once the watch has delivered `resourceVersion` (a version read with GET may be seen
   * before its watch event arrives); rejects if the watch fails or the time runs out.
   */
  waitForVersion(resourceVersion: string, timeoutMs?: number): Promise<void>;
  stop(): void;
}

export class OperatorFixture extends TaskClient {
  readonly logs: string[] = [];
  private running: { stop: AbortController; done: Promise<number> } | undefined;
  private readonly replicas = new Set<OperatorReplica>();

  private constructor(
    kubeconfigPath: string,
    kubeConfig: KubeConfig,
    namespace: string,
    readonly emulator: Emulator,
    readonly callbackPort: number,
    private readonly opts: OperatorFixtureOptions,
  ) {
    super(kubeconfigPath, kubeConfig, namespace);
  }

  /** The tasks of another namespace (an operator watching every namespace sees them too). */
  in(namespace: string): TaskClient {
    return new TaskClient(this.kubeconfigPath, this.kubeConfig, namespace);
  }

  static async create(opts: OperatorFixtureOptions = {}): Promise<OperatorFixture> {
    const kubeconfigPath = opts.kubeconfigPath ?? injectedKubeconfigPath();
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    await ensureCrd(kubeconfigPath);
    const namespace = await createNamespace(kc, opts.prefix ?? 'op');
    const callbackPort = await freePort();
    const emulator = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      callbackUrl: `http://127.0.0.1:${callbackPort}/jocloud/callback?token=${CALLBACK_TOKEN}`,
      callbackIntervalMs: opts.callbackIntervalMs ?? 60_000,
      ...(opts.accounts !== undefined ? { accounts: opts.accounts } : {}),
      logger: pino({ level: 'silent' }),
    });
    const fixture = new OperatorFixture(kubeconfigPath, kc, namespace, emulator, callbackPort, opts);
    const account = emulator.accounts[0];
    if (account === undefined) throw new Error('the emulator has no account');
    await fixture.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: CREDENTIALS_SECRET }, stringData: { restfulId: account.restfulId, restfulSecret: account.restfulSecret } },
    });
    if (opts.deferStart !== true) fixture.start();
    return fixture;
  }

  get appid(): string {
    return this.emulator.accounts[0]?.appid ?? '';
  }

  get account(): { appid: string; restfulId: string; restfulSecret: string } {
    const a = this.emulator.accounts[0];
    if (a === undefined) throw new Error('the emulator has no account');
    return { appid: a.appid, restfulId: a.restfulId, restfulSecret: a.restfulSecret };
  }

  /** The `run` flags that point an operator process at this fixture's namespace, emulator and Secret. */
  processArgs(appid = this.appid): string[] {
    return [
      `--kubeconfig=${this.kubeconfigPath}`,
      `--namespace=${this.namespace}`,
      `--jocloud-endpoint=${this.emulator.url}`,
      `--default-appid=${appid}`,
      `--default-credentials-secret=${this.namespace}/${CREDENTIALS_SECRET}`,
    ];
  }

  settings(): OperatorSettings {
    const cb = this.opts.callbacks;
    return {
      kubeconfig: this.kubeconfigPath,
      namespace: this.namespace,
      endpoint: this.emulator.url,
      pathPrefix: 'v2/rtmpforward',
      defaultAppid: this.appid,
      defaultCredentials: { namespace: this.namespace, name: CREDENTIALS_SECRET },
      maxConcurrentReconciles: 4,
      vendorQps: 50,
      callbacks:
        cb === false
          ? undefined
          : { addr: `127.0.0.1:${this.callbackPort}`, token: CALLBACK_TOKEN, allowUnauthenticated: false, refreshMs: 60_000, staleMs: 300_000, ...cb },
      leaderElection: undefined,
      metricsAddr: undefined,
      healthAddr: undefined,
      logLevel: 'debug',
      shutdownTimeoutMs: 10_000,
      ...this.opts.settings,
    };
  }

  /** Starts the operator in this process; its JSON log lines are kept in `logs`. */
  start(overrides: Partial<OperatorSettings> = {}): void {
    if (this.running !== undefined) throw new Error('the operator is already running');
    const stop = new AbortController();
    const done = runOperator(
      { ...this.settings(), ...overrides },
      { signal: stop.signal, logDestination: lineSink(this.logs), handleSignals: false, reconcilerHooks: { decided: this.recordDecision } },
    );
    this.running = { stop, done };
  }

  /** Stops the operator like SIGTERM; resolves with its exit code. */
  async stop(): Promise<number> {
    const r = this.running;
    if (r === undefined) return 0;
    this.running = undefined;
    r.stop.abort();
    return r.done;
  }

  async close(): Promise<void> {
    await Promise.all([...this.replicas].map((r) => r.stop()));
    await this.stop();
    await this.emulator.close();
  }

  /**
   * Starts one more operator instance on this namespace, with a callback endpoint of its own
   * (the emulator keeps calling back the fixture's port). Give it leader election in `overrides`
   * (and the fixture too, via start()) to model replicas behind one Service. close() stops it.
   */
  async startReplica(overrides: Partial<OperatorSettings> = {}): Promise<OperatorReplica> {
    const callbackPort = await freePort();
    const base = this.settings();
    const callbacks = base.callbacks === undefined ? undefined : { ...base.callbacks, addr: `127.0.0.1:${callbackPort}` };
    const logs: string[] = [];
    const stop = new AbortController();
    const done = runOperator({ ...base, callbacks, ...overrides }, { signal: stop.signal, logDestination: lineSink(logs), handleSignals: false });
    const replica: OperatorReplica = {
      callbackPort,
      logs,
      identity: () => identityIn(logs),
      stop: async () => {
        this.replicas.delete(replica);
        stop.abort();
        return done;
      },
    };
    this.replicas.add(replica);
    return replica;
  }

  /** The identity the fixture's own operator competes for the Lease with. */
  identity(): string | undefined {
    return identityIn(this.logs);
  }

  /** The holder of a Lease in `namespace` (default: this fixture's), undefined when none. */
  async leaseHolder(name: string, namespace = this.namespace): Promise<string | undefined> {
    try {
      const lease = await this.kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace });
      return lease.spec?.holderIdentity ?? undefined;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  /** The callback endpoint of the fixture's operator (or of `port`), without a token. */
  callbackUrl(port = this.callbackPort): string {
    return `http://127.0.0.1:${port}/jocloud/callback`;
  }

  /**
   * Watches one task from its current resourceVersion: every write to it (spec, status, metadata)
   * shows up as one entry in `changes`. Resolves once the watch is established.
   */
  async watchTask(name: string): Promise<TaskWatch> {
    const current = await this.get(name);
    const changes: TaskObject[] = [];
    let failure: unknown;
    const watch = new Watch(this.kubeConfig);
    const controller = await watch.watch(
      `/apis/${GROUP}/${VERSION}/namespaces/${this.namespace}/${PLURAL}`,
      { fieldSelector: `metadata.name=${name}`, ...(current?.metadata.resourceVersion !== undefined ? { resourceVersion: current.metadata.resourceVersion } : {}) },
      (phase, obj: TaskObject) => {
        if (phase === 'ADDED' || phase === 'MODIFIED') changes.push(obj);
        else if (phase === 'ERROR') failure ??= new Error(`watch ERROR event: ${JSON.stringify(obj)}`);
      },
      (err: unknown) => {
        failure ??= err ?? new Error('the watch ended');
      },
    );
    const stop = (): void => {
      failure ??= new Error('stopped');
      controller.abort();
    };
    return {
      changes,
      resourceVersions: () => [...new Set(changes.map((c) => c.metadata.resourceVersion ?? ''))].filter((rv) => rv !== '' && rv !== current?.metadata.resourceVersion),
      failure: () => failure,
      waitForVersion: async (resourceVersion, timeoutMs = 10_000) => {
        const deadline = Date.now() + timeoutMs;
        while (!changes.some((c) => c.metadata.resourceVersion === resourceVersion)) {
          if (failure !== undefined) throw new Error(`the watch on ${name} failed before resourceVersion ${resourceVersion}: ${failure instanceof Error ? failure.message : JSON.stringify(failure)}`);
          if (Date.now() > deadline) throw new Error(`the watch on ${name} did not see resourceVersion ${resourceVersion} within ${timeoutMs} ms`);
          await delay(20);
        }
      },
      stop,
    };
  }


  /** The vendor calls the emulator received for this fixture (each fixture has its own emulator). */
  async vendorCalls(endpoint?: 'startrtmp' | 'stoprtmp'): Promise<Awaited<ReturnType<Emulator['control']['calls']>>> {
    return this.emulator.control.calls(endpoint);
  }

  /** Polls the emulator's call log until `predicate` holds; fails with the calls seen last. */
  async waitForVendorCalls(
    predicate: (calls: Awaited<ReturnType<Emulator['control']['calls']>>) => boolean,
    timeoutMs = 20_000,
    what = 'vendor calls',
  ): Promise<Awaited<ReturnType<Emulator['control']['calls']>>> {
    const deadline = Date.now() + timeoutMs;
    let last: Awaited<ReturnType<Emulator['control']['calls']>> = [];
    while (Date.now() < deadline) {
      last = await this.emulator.control.calls();
      if (predicate(last)) return last;
      await delay(100);
    }
    const seen = last.map((c) => `${c.endpoint}=${c.code ?? c.outcome}`).join(', ');
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} in ${this.namespace}; calls: [${seen}]`);
  }

  /** Every decision of the fixture's operator, in order, from the reconciler's observation hook. */
  private readonly decided: Array<{ key: string; kind: string; why: unknown; step: number }> = [];

  private readonly recordDecision = (key: string, decision: { kind: string; why?: unknown }, step: number): void => {
    this.decided.push({ key, kind: decision.kind, why: 'why' in decision ? decision.why : undefined, step });
  };

  /**
   * What the fixture's operator decided for task `name` so far, in order (step 0 begins a
   * reconcile). Lets a test wait until a change was seen, check that it led to no vendor call
   * (kind Idle), and count reconciles to show nothing is retried.
   */
  decisions(name: string, namespace = this.namespace): Array<{ kind: string; why: unknown; step: number }> {
    const key = `${namespace}/${name}`;
    return this.decided.filter((d) => d.key === key).map(({ kind, why, step }) => ({ kind, why, step }));
  }
}

/** A log destination that keeps each JSON line in `lines`. */
function lineSink(lines: string[]): Writable {
  return new Writable({
    write: (chunk: Buffer, _enc, cb) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(line);
      cb();
    },
  });
}

function identityIn(logs: readonly string[]): string | undefined {
  for (const line of logs) {
    const m = /"identity":"([^"]+)"/.exec(line);
    if (m?.[1] !== undefined) return m[1];
  }
  return undefined;
}
