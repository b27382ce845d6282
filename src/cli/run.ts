// `rtmp-push-operator run`: the operator itself. This file only turns flags into settings;
// src/manager/operator.ts wires the pieces.
import type { Command } from './command.js';
import { bool, duration, int, str, UsageError, type CommandSpec, type FlagSpec, type FlagValues } from './flags.js';
import { callbackFlags, resolveCallbackSettings } from './callback-flags.js';
import { parseSecretRef } from '../controller/credentials.js';
import { taskidPrefixProblem } from '../controller/desired-request.js';
import { LabelSelectorError, parseLabelSelector, type LabelSelector } from '../controller/label-selector.js';
import { appidStringSchema } from '../api/v1alpha1/spec.js';
import { DEFAULT_PATH_PREFIX, resolveEndpoint } from '../jocloud/endpoint.js';
import { runOperator, type OperatorSettings } from '../manager/operator.js';

const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const runFlags: readonly FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', value: 'PATH', description: 'Kubeconfig file. Without it: in-cluster config when running in a pod, else $KUBECONFIG or ~/.kube/config.' },
  { name: 'namespace', type: 'string', value: 'NAMESPACE', description: 'Watch RtmpPushTasks in this namespace only. Default: all namespaces.' },
  { name: 'region', type: 'string', value: 'domestic|international', default: 'domestic', description: 'Vendor API region: domestic (api.jocloud.com) or international (api-oversea.jocloud.com).' },
  { name: 'jocloud-endpoint', type: 'string', value: 'URL', description: 'Vendor API base URL (overrides --region), e.g. the emulator: http://127.0.0.1:9090.' },
  { name: 'jocloud-path-prefix', type: 'string', value: 'PREFIX', default: DEFAULT_PATH_PREFIX, description: 'Path between /app/{appid}/ and startrtmp|stoprtmp.' },
  { name: 'default-appid', type: 'string', value: 'APPID', description: 'appid for tasks whose spec has none (a uint64 in decimal).' },
  { name: 'default-credentials-secret', type: 'string', value: 'NAMESPACE/NAME', description: 'Secret (keys restfulId, restfulSecret) for tasks without spec.credentialsSecretRef.' },
  { name: 'default-credentials-namespace-selector', type: 'string', value: 'SELECTOR', description: 'Only tasks in namespaces whose labels match this selector may use the default credentials, e.g. "tenancy.example.com/trusted=true" or "kubernetes.io/metadata.name in (team-a,team-b)". Empty: every namespace. Not with --namespace.' },
  { name: 'taskid-prefix', type: 'string', value: 'PREFIX', description: 'Derived taskids become PREFIX-rpt-<hash>: one prefix per installation keeps clusters sharing an appid apart. Empty: rpt-<hash> as before; changing it moves pushes with derived taskids to new vendor tasks.' },
  { name: 'max-concurrent-reconciles', type: 'string', value: 'N', default: '4', description: 'Tasks reconciled at the same time (one reconcile per task at a time regardless).' },
  { name: 'vendor-qps', type: 'string', value: 'N', default: '10', description: 'Vendor API requests per second per appid, at most (a token bucket; bursts up to the same number).' },
  ...callbackFlags,
  { name: 'leader-elect', type: 'boolean', default: false, description: 'Elect a leader through a coordination.k8s.io Lease so only one replica reconciles.' },
  { name: 'leader-elect-namespace', type: 'string', value: 'NAMESPACE', description: "Namespace of the Lease. Default: the pod's namespace, else default." },
  { name: 'leader-elect-id', type: 'string', value: 'NAME', default: 'rtmp-push-operator', description: 'Name of the Lease.' },
  { name: 'leader-elect-lease-duration', type: 'string', value: 'DURATION', default: '15s', description: 'How long a leader holds the Lease without renewing; a standby takes over after it.' },
  { name: 'leader-elect-renew-deadline', type: 'string', value: 'DURATION', default: '10s', description: 'A leader that cannot renew within this gives up leadership (and exits).' },
  { name: 'leader-elect-retry-period', type: 'string', value: 'DURATION', default: '2s', description: 'How often candidates try to acquire and the leader renews.' },
  { name: 'metrics-addr', type: 'string', value: 'HOST:PORT', default: ':8080', description: 'Serve Prometheus metrics at /metrics here; empty disables.' },
  { name: 'health-addr', type: 'string', value: 'HOST:PORT', default: ':8081', description: 'Serve /healthz and /readyz here; empty disables.' },
  { name: 'log-level', type: 'string', value: 'LEVEL', default: 'info', description: `Log level: ${logLevels.join(', ')}.` },
  { name: 'shutdown-timeout', type: 'string', value: 'DURATION', default: '30s', description: 'On SIGTERM/SIGINT, how long in-flight reconciles and status writes may take before exit.' },
];

export const runSpec: CommandSpec = {
  name: 'run',
  summary: 'Run the operator: reconcile RtmpPushTasks with the vendor API and serve push-status callbacks.',
  usage: 'rtmp-push-operator run [flags]',
  flags: runFlags,
  details: [
    'Every flag can also be set by its environment variable (RTMP_OPERATOR_...), as the Helm chart does.',
    'Callbacks: configure the vendor to call http(s)://<this service>/jocloud/callback?token=<token>.',
    'Set --callback-addr "" to run without callbacks; Ready then follows Synced alone.',
  ].join('\n'),
};

function durationMs(values: FlagValues, name: string, fallback: number): number {
  const ms = duration(values, name) ?? fallback;
  if (ms <= 0) throw new UsageError(`--${name}: must be longer than 0`);
  return ms;
}

export function runSettings(values: FlagValues): OperatorSettings {
  const level = str(values, 'log-level') ?? 'info';
  if (!(logLevels as readonly string[]).includes(level)) throw new UsageError(`--log-level: expected one of ${logLevels.join(', ')}, got "${level}"`);
  const region = str(values, 'region') ?? 'domestic';
  if (region !== 'domestic' && region !== 'international') throw new UsageError(`--region: expected domestic or international, got "${region}"`);
  const endpointFlag = str(values, 'jocloud-endpoint');
  let endpoint: string;
  try {
    endpoint = resolveEndpoint({ region: region, ...(endpointFlag !== undefined && endpointFlag !== '' ? { endpoint: endpointFlag } : {}) });
  } catch (err) {
    throw new UsageError(`--jocloud-endpoint: ${err instanceof Error ? err.message : String(err)}`);
  }
  const defaultAppid = str(values, 'default-appid');
  if (defaultAppid !== undefined && !appidStringSchema.safeParse(defaultAppid).success) {
    throw new UsageError(`--default-appid: must be a uint64 in decimal, got "${defaultAppid}"`);
  }
  const secretRaw = str(values, 'default-credentials-secret');
  const defaultCredentials = secretRaw === undefined || secretRaw === '' ? undefined : parseSecretRef(secretRaw);
  if (secretRaw !== undefined && secretRaw !== '' && defaultCredentials === undefined) {
    throw new UsageError(`--default-credentials-secret: expected NAMESPACE/NAME, got "${secretRaw}"`);
  }
  const taskidPrefix = str(values, 'taskid-prefix') ?? '';
  const prefixProblem = taskidPrefixProblem(taskidPrefix);
  if (prefixProblem !== undefined) throw new UsageError(`--taskid-prefix: ${prefixProblem}`);
  const vendorQps = Number(str(values, 'vendor-qps') ?? '10');
  if (!Number.isFinite(vendorQps) || vendorQps <= 0) throw new UsageError(`--vendor-qps: must be a positive number`);
  const callbacksOff = str(values, 'callback-addr') === '';
  const leaseDurationMs = durationMs(values, 'leader-elect-lease-duration', 15_000);
  const renewDeadlineMs = durationMs(values, 'leader-elect-renew-deadline', 10_000);
  const retryPeriodMs = durationMs(values, 'leader-elect-retry-period', 2_000);
  if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs)) {
    throw new UsageError('leader election needs lease-duration > renew-deadline > retry-period');
  }
  const namespace = str(values, 'namespace');
  const selector = namespaceSelector(str(values, 'default-credentials-namespace-selector'));
  if (selector !== undefined && namespace !== undefined && namespace !== '') {
    throw new UsageError('--default-credentials-namespace-selector is for an operator watching every namespace; with --namespace, the release is the boundary');
  }
  return {
    kubeconfig: str(values, 'kubeconfig'),
    namespace: namespace === '' ? undefined : namespace,
    endpoint,
    pathPrefix: str(values, 'jocloud-path-prefix') ?? DEFAULT_PATH_PREFIX,
    defaultAppid: defaultAppid === '' ? undefined : defaultAppid,
    defaultCredentials,
    taskidPrefix,
    tenancy: { defaultCredentialsNamespaces: selector },
    maxConcurrentReconciles: int(values, 'max-concurrent-reconciles', { min: 1, max: 256 }) ?? 4,
    vendorQps,
    callbacks: callbacksOff ? undefined : resolveCallbackSettings(values),
    leaderElection: bool(values, 'leader-elect')
      ? { namespace: str(values, 'leader-elect-namespace'), name: str(values, 'leader-elect-id') ?? 'rtmp-push-operator', leaseDurationMs, renewDeadlineMs, retryPeriodMs }
      : undefined,
    metricsAddr: emptyToUndefined(str(values, 'metrics-addr')),
    healthAddr: emptyToUndefined(str(values, 'health-addr')),
    logLevel: level as OperatorSettings['logLevel'],
    shutdownTimeoutMs: durationMs(values, 'shutdown-timeout', 30_000),
  };
}

/** undefined (every namespace) for an absent or blank selector, so the default costs nothing. */
function namespaceSelector(raw: string | undefined): LabelSelector | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return parseLabelSelector(raw);
  } catch (err) {
    if (err instanceof LabelSelectorError) throw new UsageError(`--default-credentials-namespace-selector: ${err.message}`);
    throw err;
  }
}

function emptyToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

export const runCommand: Command = {
  spec: runSpec,
  async run(args) {
    if (args.positionals.length > 0) throw new UsageError(`run: unexpected argument "${args.positionals[0] ?? ''}"`);
    return runOperator(runSettings(args.values));
  },
};
