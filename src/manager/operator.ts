// The operator process: builds every part from its settings, runs until SIGTERM/SIGINT (or the
// given signal), then shuts down in order — stop taking work, finish in-flight reconciles and
// status writes within the deadline, close the servers and the vendor pool, release the Lease.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { DestinationStream } from 'pino';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { CallbackSettings } from '../callback/options.js';
import { CallbackReceiver } from '../callback/receiver.js';
import { kubeStatusStore } from '../callback/status-store.js';
import { TaskController, asTask, secretSources } from '../controller/controller.js';
import type { SecretRef } from '../controller/credentials.js';
import { Reconciler, type ReconcilerOptions } from '../controller/reconciler.js';
import { kubeTaskClient } from '../controller/task-client.js';
import { vendorPushClient } from '../controller/vendor-push-client.js';
import { JocloudClient, type ClientTimeouts } from '../jocloud/client.js';
import { createHealthServer, createMetricsServer, type HttpServerHandle } from '../observability/health-server.js';
import { createRootLogger, type Logger } from '../observability/logger.js';
import { createMetrics, type OperatorMetrics } from '../observability/metrics.js';
import { redactUrl } from '../observability/redact.js';
import { EventRecorder } from '../runtime/event-recorder.js';
import { LeaderElector } from '../runtime/leader-election.js';
import { KubeClients } from '../runtime/kube-clients.js';
import { KeyedRateLimiter } from '../runtime/rate-limiter.js';
import { loadKubeConfig, podNamespace } from './kubeconfig.js';

export interface LeaderElectionSettings {
  readonly namespace: string | undefined;
  readonly name: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export interface OperatorSettings {
  readonly kubeconfig: string | undefined;
  readonly namespace: string | undefined;
  readonly endpoint: string;
  readonly pathPrefix: string;
  readonly defaultAppid: string | undefined;
  readonly defaultCredentials: SecretRef | undefined;
  readonly maxConcurrentReconciles: number;
  readonly vendorQps: number;
  /** undefined: no callback endpoint; Ready then follows Synced alone. */
  readonly callbacks: CallbackSettings | undefined;
  readonly leaderElection: LeaderElectionSettings | undefined;
  readonly metricsAddr: string | undefined;
  readonly healthAddr: string | undefined;
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  readonly shutdownTimeoutMs: number;
  /** Vendor HTTP timeouts; the client's defaults (15 s per call) when absent. No flag: tests shorten them. */
  readonly vendorTimeouts?: ClientTimeouts | undefined;
  /** Reconciler timings that have no flag (tests shorten them); the reconciler's defaults when absent. */
  readonly reconcilerTimings?: Pick<ReconcilerOptions, 'credentialsRetryMs' | 'deletionBlockedAfterMs'> | undefined;
}

export interface RunOptions {
  /** Aborting it shuts the operator down like SIGTERM (tests, the dev command). */
  readonly signal?: AbortSignal;
  /** Log destination (tests capture the lines to scan them for secrets). */
  readonly logDestination?: DestinationStream;
  /** Install SIGTERM/SIGINT handlers (default true). */
  readonly handleSignals?: boolean;
  /** Called once the servers listen, with their bound ports (port 0 in tests). */
  readonly onListening?: (ports: { callback?: number; health?: number; metrics?: number }) => void;
}

function instanceIdentity(): string {
  const pod = process.env['POD_NAME'];
  return `${pod !== undefined && pod !== '' ? pod : hostname()}_${randomBytes(4).toString('hex')}`;
}

/** Counts tasks by their Ready condition for the rtmp_tasks gauge. */
function countTaskStates(tasks: readonly UnvalidatedRtmpPushTask[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of tasks) {
    const conditions = (t.status as { conditions?: Array<{ type?: string; status?: string; reason?: string }> } | undefined)?.conditions ?? [];
    const ready = conditions.find((c) => c.type === 'Ready');
    const state = ready === undefined ? 'Pending' : ready.status === 'True' ? 'Ready' : (ready.reason ?? 'NotReady');
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  return counts;
}

export async function runOperator(settings: OperatorSettings, opts: RunOptions = {}): Promise<number> {
  const logger = createRootLogger({ level: settings.logLevel, ...(opts.logDestination !== undefined ? { destination: opts.logDestination } : {}) });
  const identity = instanceIdentity();
  const kubeConfig = loadKubeConfig(settings.kubeconfig);
  // rtmp_tasks is counted from the watch cache at each scrape; the controller is built below.
  let taskStates: () => Map<string, number> = () => new Map();
  const metrics = createMetrics({ taskStates: () => taskStates() });
  logger.info(
    {
      identity,
      cluster: kubeConfig.getCurrentCluster()?.server,
      vendor: redactUrl(settings.endpoint),
      namespace: settings.namespace ?? '(all)',
      leaderElection: settings.leaderElection !== undefined,
      callbacks: settings.callbacks?.addr ?? '(off)',
    },
    'starting rtmp-push-operator',
  );

  const jocloud = new JocloudClient({
    endpoint: settings.endpoint,
    pathPrefix: settings.pathPrefix,
    ...(settings.vendorTimeouts !== undefined ? { timeouts: settings.vendorTimeouts } : {}),
    logger: logger.child({ component: 'jocloud' }),
    onCall: (o) => {
      metrics.vendorRequestsTotal.inc({ endpoint: o.endpoint, code: o.code });
      metrics.vendorRequestDuration.observe({ endpoint: o.endpoint }, o.durationMs / 1000);
    },
  });
  const limiter = new KeyedRateLimiter({ qps: settings.vendorQps });
  const events = new EventRecorder({ kubeConfig, component: 'rtmp-push-operator', instance: identity, logger });
  const controller = new TaskController(
    { kubeConfig, namespace: settings.namespace, logger, metrics, maxConcurrentReconciles: settings.maxConcurrentReconciles },
    secretSources(settings.namespace, settings.defaultCredentials),
  );
  const reconciler = new Reconciler(
    { getTask: controller.getTask, getSecret: controller.getSecret, tasks: kubeTaskClient(kubeConfig), vendor: vendorPushClient(jocloud, limiter), events, logger },
    {
      defaultAppid: settings.defaultAppid,
      defaultCredentials: settings.defaultCredentials,
      callbacksEnabled: settings.callbacks !== undefined,
      staleAfterMs: settings.callbacks?.staleMs ?? 300_000,
      ...settings.reconcilerTimings,
    },
  );
  controller.attach(reconciler);
  taskStates = () => countTaskStates(controller.tasks.list().map(asTask));

  const receiver = settings.callbacks === undefined ? undefined : makeReceiver(settings, settings.callbacks, controller, kubeConfig, metrics, logger);
  const leader = { value: settings.leaderElection === undefined };
  const servers: HttpServerHandle[] = [];
  const stopping = new AbortController();
  let exitCode = 0;
  const shutdown = (why: string, code = 0): void => {
    if (stopping.signal.aborted) return;
    logger.info({ why }, 'shutting down');
    exitCode = code;
    stopping.abort();
  };
  const onSignal = (sig: NodeJS.Signals): void => shutdown(sig);
  if (opts.handleSignals !== false) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  opts.signal?.addEventListener('abort', () => shutdown('stop requested'), { once: true });

  let elector: LeaderElector | undefined;
  let workers: Promise<void> | undefined;
  try {
    controller.startCaches();
    const ports: { callback?: number; health?: number; metrics?: number } = {};
    if (receiver !== undefined) ports.callback = (await receiver.start()).port;
    if (settings.healthAddr !== undefined) {
      const h = await createHealthServer({
        addr: settings.healthAddr,
        logger,
        checks: {
          healthz: () => true,
          // A standby is ready when its caches are warm: it can take over at once.
          readyz: () => (controller.hasSynced() ? true : 'watch caches not synced yet'),
        },
      });
      servers.push(h);
      ports.health = h.port;
    }
    if (settings.metricsAddr !== undefined) {
      const m = await createMetricsServer({ addr: settings.metricsAddr, registry: metrics.registry, logger });
      servers.push(m);
      ports.metrics = m.port;
    }
    opts.onListening?.(ports);

    if (settings.leaderElection === undefined) {
      metrics.leader.set(1);
      workers = controller.runWorkers(stopping.signal);
    } else {
      const le = settings.leaderElection;
      elector = new LeaderElector({
        kubeConfig,
        namespace: le.namespace ?? podNamespace() ?? 'default',
        name: le.name,
        identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        logger,
        onStartedLeading: (signal) => {
          leader.value = true;
          metrics.leader.set(1);
          workers = controller.runWorkers(signal);
        },
        onStoppedLeading: () => {
          leader.value = false;
          metrics.leader.set(0);
          // Like client-go: a replica that lost its lease exits and restarts clean, so two
          // replicas can never reconcile at once on stale assumptions.
          if (!stopping.signal.aborted) {
            logger.error('leadership lost; exiting');
            shutdown('leadership lost', 1);
          }
        },
      });
      void elector.run();
    }
    await new Promise<void>((resolve) => {
      if (stopping.signal.aborted) resolve();
      else stopping.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } catch (err) {
    logger.error({ err }, 'operator failed');
    exitCode = 1;
  } finally {
    const deadline = Date.now() + settings.shutdownTimeoutMs;
    const left = (): number => Math.max(0, deadline - Date.now());
    await controller.stop(left());
    await workers?.catch((err: unknown) => logger.error({ err }, 'workers ended with an error'));
    await receiver?.stop({ deadlineMs: left() });
    await Promise.all(servers.map((s) => s.close()));
    await jocloud.close();
    await Promise.race([events.flush(), new Promise((r) => setTimeout(r, left()).unref())]);
    // Released last, so a successor never runs while our in-flight writes still land.
    await elector?.stop({ release: true });
    await KubeClients.for(kubeConfig).close();
    if (opts.handleSignals !== false) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    logger.info({ exitCode }, 'stopped');
    logger.flush();
  }
  return exitCode;
}

function makeReceiver(
  settings: OperatorSettings,
  callbacks: CallbackSettings,
  controller: TaskController,
  kubeConfig: ReturnType<typeof loadKubeConfig>,
  metrics: OperatorMetrics,
  logger: Logger,
): CallbackReceiver {
  const receiver = new CallbackReceiver({
    settings: callbacks,
    logger,
    getTask: (key) => {
      const slash = key.indexOf('/');
      return controller.getTask(key.slice(0, slash), key.slice(slash + 1));
    },
    isSynced: () => controller.tasks.hasSynced(),
    store: kubeStatusStore(KubeClients.for(kubeConfig).makeApiClient(CustomObjectsApi)),
    defaultAppid: settings.defaultAppid,
    onTerminated: (key) => controller.queue.add(key),
    serverMetrics: {
      accepted: (status) => metrics.callbacksTotal.inc({ status: String(status) }),
      rejected: (reason) => metrics.callbacksRejectedTotal.inc({ reason }),
      unknownTask: () => metrics.callbacksRejectedTotal.inc({ reason: 'unknown-task' }),
    },
  });
  controller.tasks.on('add', (obj) => receiver.taskChanged(asTask(obj)));
  controller.tasks.on('update', (obj) => receiver.taskChanged(asTask(obj)));
  controller.tasks.on('delete', (obj) => receiver.taskDeleted(asTask(obj)));
  return receiver;
}
