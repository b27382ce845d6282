// The operator process: builds every part from its settings, runs until SIGTERM/SIGINT (or the
// given signal), then shuts down in order — stop taking work, finish in-flight reconciles and
// status writes within the deadline, close the servers and the vendor pool, release the Lease.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import type { DestinationStream } from 'pino';
import { GROUP, PLURAL, VERSION } from '../api/v1alpha1/constants.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { CallbackSettings } from '../callback/settings.js';
import { asTask, TaskCaches } from '../controller/caches.js';
import { TaskController } from '../controller/controller.js';
import type { SecretRef } from '../controller/credentials.js';
import { eventSink } from '../controller/events.js';
import { IdentityOwnership } from '../controller/ownership.js';
import { Reconciler, type ReconcilerHooks, type ReconcilerOptions } from '../controller/reconciler.js';
import { SecretFinalizers } from '../controller/secret-protection.js';
import { SecretUsers } from '../controller/secret-users.js';
import { DEFAULT_PUSH_FAILING_AFTER_MS, DEFAULT_PUSH_FAILING_AFTER_RESTARTS } from '../controller/status-derive.js';
import { TaskWrites } from '../controller/task-writes.js';
import { NamespaceCache } from '../controller/namespace-cache.js';
import type { PermissionCheck } from '../controller/observe.js';
import { checkTenancy, type TenancyPolicy } from '../controller/tenancy.js';
import { vendorPushClient } from '../controller/vendor-push-client.js';
import { JocloudClient, type ClientTimeouts } from '../jocloud/client.js';
import { createHealthServer, createMetricsServer, type HttpServerHandle } from '../observability/health-server.js';
import { createRootLogger } from '../observability/logger.js';
import { PriorityGate } from '../runtime/priority-gate.js';
import { createMetrics } from '../observability/metrics.js';
import { redactUrl } from '../observability/redact.js';
import { customObjectStore } from '../runtime/custom-object-store.js';
import { EventRecorder } from '../runtime/event-recorder.js';
import { LeaderElector } from '../runtime/leader-election.js';
import { KubeClients } from '../runtime/kube-clients.js';
import { Manager } from '../runtime/manager.js';
import { KeyedRateLimiter } from '../runtime/rate-limiter.js';
import { StatusWriter } from '../runtime/status-writer.js';
import { wireCallbackReceiver } from './callback-receiver.js';
import { loadKubeConfig, podNamespace } from './kubeconfig.js';

/** Shown in managedFields, so the reconciler's writes are told apart from the callback writer's. */
export const RECONCILER_FIELD_MANAGER = 'rtmp-push-operator';
export const CALLBACK_FIELD_MANAGER = 'rtmp-push-operator-callback';
const TASKS = { group: GROUP, version: VERSION, plural: PLURAL };
/** How long Events may wait behind reconciles when callbacks (and their refresh interval) are off. */
const DEFAULT_REPORT_DELAY_MS = 60_000;

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
  /** Before derived taskids (see derivedTaskid); '' or absent: none. To pass on in DesiredContext. */
  readonly taskidPrefix?: string | undefined;
  /** Who may use the default credentials and which appids (see checkTenancy); absent: no limits. */
  readonly tenancy?: TenancyPolicy | undefined;
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
  /** What the reconciler decided, step by step (tests observe this instead of reading logs). */
  readonly reconcilerHooks?: ReconcilerHooks;
}

function instanceIdentity(): string {
  const pod = process.env['POD_NAME'];
  return `${pod !== undefined && pod !== '' ? pod : hostname()}_${randomBytes(4).toString('hex')}`;
}

export async function runOperator(settings: OperatorSettings, opts: RunOptions = {}): Promise<number> {
  const logger = createRootLogger({ level: settings.logLevel, ...(opts.logDestination !== undefined ? { destination: opts.logDestination } : {}) });
  const identity = instanceIdentity();
  const kubeConfig = loadKubeConfig(settings.kubeconfig);
  // The task gauges are counted from the watch cache at each scrape; the caches are built below.
  let taskStatuses: () => Iterable<unknown> = () => [];
  const metrics = createMetrics({ taskStatuses: () => taskStatuses() });
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

  // --- building blocks -------------------------------------------------------------------------
  // One connection pool for every API call of this process (see runtime/kube-clients.ts).
  const clients = KubeClients.for(kubeConfig);
  const core = clients.makeApiClient(CoreV1Api);
  const jocloud = new JocloudClient({
    endpoint: settings.endpoint,
    pathPrefix: settings.pathPrefix,
    ...(settings.vendorTimeouts !== undefined ? { timeouts: settings.vendorTimeouts } : {}),
    logger: logger.child({ component: 'jocloud' }),
    // The Lease identity: the vendor end (the emulator's call log) can tell replicas' calls apart.
    instance: identity,
    onCall: (o) => {
      metrics.vendorRequestsTotal.inc({ endpoint: o.endpoint, code: o.code });
      metrics.vendorRequestDuration.observe({ endpoint: o.endpoint }, o.durationMs / 1000);
    },
  });
  // Events and callback status writes give way to reconciles waiting for a worker, for at most
  // the status refresh interval (the lag an unchanged push state may show anyway).
  let reconcileBacklog = (): number => 0;
  const reportGate = new PriorityGate({ busy: () => reconcileBacklog() > 0, maxWaitMs: settings.callbacks?.refreshMs ?? DEFAULT_REPORT_DELAY_MS });
  const recorder = new EventRecorder({
    kubeConfig,
    component: 'rtmp-push-operator',
    instance: identity,
    logger,
    gate: reportGate,
    onDropped: (reason) => metrics.eventsDroppedTotal.inc({ reason }),
  });
  const events = eventSink(recorder);
  const caches = new TaskCaches({ kubeConfig, namespace: settings.namespace, logger });
  caches.onSecretWatchRestart(() => metrics.watchRestartsTotal.inc({ resource: 'secrets' }));
  // Tenancy reads Namespaces, which needs cluster-wide RBAC: only when watching every namespace.
  const namespaces =
    settings.namespace === undefined
      ? new NamespaceCache({ kubeConfig, logger, onWatchRestart: () => metrics.watchRestartsTotal.inc({ resource: 'namespaces' }) })
      : undefined;
  const permission: PermissionCheck | undefined =
    namespaces === undefined
      ? undefined
      : (namespace, appid, _ref, usesDefault) => {
          const meta = namespaces.get(namespace);
          const verdict = checkTenancy(
            { namespace, namespaceLabels: meta?.labels, namespaceAnnotations: meta?.annotations, appid, usesDefaultCredentials: usesDefault },
            settings.tenancy ?? {},
          );
          return verdict.ok ? verdict : { ok: false, reason: verdict.reason, message: verdict.message };
        };
  taskStatuses = () => caches.listTasks().map((t) => t.status);
  const desiredCtx = { defaultAppid: settings.defaultAppid, taskidPrefix: settings.taskidPrefix };
  const secretUsers = new SecretUsers(settings.defaultCredentials);
  let elector: LeaderElector | undefined;
  // Checked right before each vendor call: a replica frozen past its lease answers false at once.
  const holdsLease = (): boolean => elector === undefined || elector.holdsLease();

  const taskStatus = new StatusWriter<UnvalidatedRtmpPushTask>(customObjectStore(clients, TASKS, RECONCILER_FIELD_MANAGER));
  const callbacksEnabled = settings.callbacks !== undefined;
  const staleMs = settings.callbacks?.staleMs ?? 300_000;
  const writes = new TaskWrites(customObjectStore(clients, TASKS, RECONCILER_FIELD_MANAGER), taskStatus, () => ({
    now: new Date(),
    callbacksEnabled,
    staleMs,
    pushFailingAfterMs: DEFAULT_PUSH_FAILING_AFTER_MS,
    pushFailingAfterRestarts: DEFAULT_PUSH_FAILING_AFTER_RESTARTS,
  }));
  const secretFinalizers = new SecretFinalizers({ api: core, getSecret: caches.getSecret, getTask: caches.getTask, usersOf: (s) => secretUsers.usersOf(s), logger });
  let requeue: (keys: readonly string[]) => void = () => undefined;
  // A task its namespace may not run claims no vendor identity (it must not block other teams).
  const ownership = new IdentityOwnership(
    desiredCtx,
    (keys) => requeue(keys),
    (namespace, appid, usesDefault) => {
      const verdict = permission?.(namespace, appid, undefined, usesDefault);
      return verdict === undefined || verdict.ok || verdict.reason !== 'NotPermitted';
    },
  );
  const reconciler = new Reconciler(
    {
      getTask: caches.getTask,
      getSecret: caches.getSecret,
      writes,
      vendor: vendorPushClient(jocloud, new KeyedRateLimiter({ qps: settings.vendorQps }), { holdsLease }),
      events,
      logger,
      ownership,
      permission,
      secretKnown: caches.secretKnown,
      secretProtection: secretFinalizers,
      hooks: opts.reconcilerHooks,
    },
    {
      defaultAppid: settings.defaultAppid,
      taskidPrefix: settings.taskidPrefix,
      defaultCredentials: settings.defaultCredentials,
      callbacksEnabled,
      staleAfterMs: staleMs,
      ...settings.reconcilerTimings,
    },
  );
  const controller = new TaskController({
    caches,
    reconcile: (namespace, name, signal) => reconciler.reconcile(namespace, name, signal),
    isOwnVersion: writes.isOwnVersion,
    secretUsers: (s) => secretUsers.usersOf(s),
    logger,
    metrics,
    maxConcurrentReconciles: settings.maxConcurrentReconciles,
  });
  requeue = (keys) => controller.requeue(keys);
  reconcileBacklog = () => controller.backlog();
  // Indexes fed by the task watch: who uses which Secret (and so which Secrets to watch), who owns
  // which vendor identity.
  const indexTask = (obj: Parameters<typeof asTask>[0]): void => {
    secretUsers.upsert(asTask(obj));
    ownership.upsert(asTask(obj));
    caches.watchSecrets(secretUsers.secrets());
  };
  caches.tasks.on('add', indexTask);
  caches.tasks.on('update', indexTask);
  caches.tasks.on('delete', (obj) => {
    const task = asTask(obj);
    const refs = secretUsers.refsOf(task);
    secretUsers.delete(task);
    ownership.delete(task);
    for (const r of refs) secretFinalizers.check(r);
    caches.watchSecrets(secretUsers.secrets());
  });
  // Namespace labels or annotations changed: its tasks may be permitted (or not) now, and so may
  // claim vendor identities (or not); upsert re-queues whoever waited for an identity let go.
  namespaces?.onChange((ns) => {
    const tasks = caches.listTasks(ns);
    for (const t of tasks) ownership.upsert(t);
    controller.requeue(tasks.map((t) => `${ns}/${t.metadata.name ?? ''}`));
  });
  caches.onSecretChange((secret) => secretFinalizers.check(secret));
  const receiver =
    settings.callbacks === undefined
      ? undefined
      : wireCallbackReceiver({
          settings,
          callbacks: settings.callbacks,
          caches,
          store: customObjectStore(clients, TASKS, CALLBACK_FIELD_MANAGER),
          onTerminated: (key) => controller.queue.add(key),
          metrics,
          events,
          gate: reportGate,
          logger,
        });

  // --- lifecycle ---------------------------------------------------------------------------------
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

  const ports: { callback?: number; health?: number; metrics?: number } = {};
  const servers: HttpServerHandle[] = [];
  const manager = new Manager(logger)
    .add({ name: 'caches', start: () => caches.start(), stop: () => caches.stop() })
    .add({ name: 'namespaces', start: () => namespaces?.start(), stop: () => namespaces?.stop() ?? Promise.resolve() })
    .add({
      name: 'callbacks',
      start: async () => {
        if (receiver !== undefined) ports.callback = (await receiver.start()).port;
      },
      stop: (deadlineMs) => receiver?.stop({ deadlineMs }) ?? Promise.resolve(),
    })
    .add({
      name: 'servers',
      start: async () => {
        if (settings.healthAddr !== undefined) {
          const h = await createHealthServer({
            addr: settings.healthAddr,
            logger,
            checks: {
              healthz: () => true,
              // A standby is ready when its caches are warm: it can take over at once.
              readyz: () => (caches.hasSynced() && (namespaces?.hasSynced() ?? true) ? true : 'watch caches not synced yet'),
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
      },
      stop: async () => {
        await Promise.all(servers.map((s) => s.close()));
      },
    })
    .add({ name: 'reconcile-workers', leaderOnly: true, start: (leading) => controller.runWorkers(leading), stop: (deadlineMs) => controller.stop(deadlineMs) })
    .add({ name: 'secret-protection', leaderOnly: true, start: (leading) => secretFinalizers.run(leading), stop: (deadlineMs) => secretFinalizers.queue.shutdown({ deadlineMs }) });

  try {
    await manager.start(stopping.signal);
    opts.onListening?.(ports);
    if (settings.leaderElection === undefined) {
      // No Lease, so no leader_election_master_status (as with controller-runtime). Leadership is
      // never lost; shutting down stops the leader-only runnables gracefully (manager.stop).
      await manager.startLeading(new AbortController().signal);
    } else {
      const le = settings.leaderElection;
      const leaderStatus = metrics.leaderElectionMasterStatus.labels({ name: le.name });
      // Exported from the start, so a standby is a 0 and not a missing series.
      leaderStatus.set(0);
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
          leaderStatus.set(1);
          void manager.startLeading(signal);
        },
        onStoppedLeading: () => {
          leaderStatus.set(0);
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
    // What waits to be reported is written now, within the shutdown deadline.
    reportGate.close();
    await manager.stop(left());
    await jocloud.close();
    await Promise.race([recorder.flush(), new Promise((r) => setTimeout(r, left()).unref())]);
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
