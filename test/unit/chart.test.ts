// The Helm chart: lint, what `helm template` renders for the settings that matter, the values
// schema, and the documentation promises (every value commented and in the README table, the CRD
// copy in sync). No cluster needed; test/integration/packaging.test.ts sends the output to one.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/cli/flags.js';
import {
  CHART_DIR,
  OPERATOR_RUN_FLAGS as RUN_FLAGS,
  REPO_ROOT,
  canonicalRules,
  flagValue,
  helm,
  ofKind,
  renderChart,
  theOne,
  type Binding,
  type Deployment,
  type KubeObject,
  type Role,
  type Secret,
  type Service,
} from '../harness/helm.js';

const chartFile = (...parts: string[]): string => path.join(REPO_ROOT, CHART_DIR, ...parts);
const NS = 'operators';
const FULLNAME = 'rpo-rtmp-push-operator';

async function render(options: Parameters<typeof renderChart>[0] = {}): Promise<KubeObject[]> {
  const result = await renderChart(options);
  expect(result.code, result.stderr).toBe(0);
  return result.objects;
}

function operatorContainer(objects: readonly KubeObject[]) {
  const deployment = theOne<Deployment>(objects, 'Deployment');
  return (
    deployment.spec.template.spec.containers.find((c) => c.name === 'operator') ??
    expect.fail(`no operator container in ${deployment.metadata.name}`)
  );
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

describe('helm lint', () => {
  it.each([
    { reason: 'defaults', set: {} },
    {
      reason: 'every optional object on',
      set: {
        watchNamespace: 'streams',
        'credentials.create': true,
        'credentials.restfulId': 'id',
        'credentials.restfulSecret': 'secret',
        'callback.ingress.enabled': true,
        'callback.ingress.hosts[0]': 'cb.example.com',
        'metrics.serviceMonitor.enabled': true,
      },
    },
  ])('passes with --strict ($reason)', async ({ set }) => {
    const args = ['lint', '--strict', CHART_DIR, '--namespace', NS];
    for (const [k, v] of Object.entries(set)) args.push('--set', `${k}=${String(v)}`);
    const result = await helm(args);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('0 chart(s) failed');
    expect(result.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });
});

describe('helm template with default values', () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await render();
  });

  it('renders exactly the expected objects, all in the release namespace when namespaced', () => {
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        `ClusterRole/${FULLNAME}-edit`,
        `ClusterRole/${FULLNAME}-manager`,
        `ClusterRole/${FULLNAME}-view`,
        `ClusterRoleBinding/${FULLNAME}-manager`,
        `Deployment/${FULLNAME}`,
        `PodDisruptionBudget/${FULLNAME}`,
        `Role/${FULLNAME}-release`,
        `RoleBinding/${FULLNAME}-release`,
        `Secret/${FULLNAME}-callback-token`,
        `Service/${FULLNAME}-callback`,
        `Service/${FULLNAME}-metrics`,
        `ServiceAccount/${FULLNAME}`,
      ].sort(),
    );
    const clusterScoped = new Set(['ClusterRole', 'ClusterRoleBinding']);
    for (const o of objects.filter((o) => !clusterScoped.has(o.kind))) expect(o.metadata.namespace, o.kind).toBe(NS);
  });

  it('runs 2 replicas with leader election on a Lease in the release namespace', () => {
    expect(theOne<Deployment>(objects, 'Deployment').spec.replicas).toBe(2);
    const { args } = operatorContainer(objects);
    expect(args[0]).toBe('run');
    expect(args).toContain('--leader-elect');
    expect(flagValue(args, 'leader-elect-namespace')).toBe(NS);
    expect(flagValue(args, 'leader-elect-id')).toBe(FULLNAME);
  });

  it('passes only flags the operator has, each at most once', () => {
    const { args, env } = operatorContainer(objects);
    const names = args.slice(1).map((a) => /^--([a-z-]+)(=|$)/.exec(a)?.[1] ?? `not a flag: ${a}`);
    for (const name of names) expect(RUN_FLAGS, name).toContain(name);
    expect(new Set(names).size).toBe(names.length);
    for (const { name } of env ?? []) {
      const flag = /^RTMP_OPERATOR_([A-Z_]+)$/.exec(name)?.[1]?.toLowerCase().replaceAll('_', '-');
      expect(flag === undefined || RUN_FLAGS.has(flag), name).toBe(true);
    }
  });

  it('keeps Service link variables out of the RTMP_OPERATOR_* flag environment', () => {
    expect(theOne<Deployment>(objects, 'Deployment').spec.template.spec.enableServiceLinks).toBe(false);
  });

  it('passes durations the operator can parse', () => {
    const { args } = operatorContainer(objects);
    for (const flag of ['callback-stale-after', 'status-refresh-interval', 'shutdown-timeout', 'leader-elect-lease-duration']) {
      const value = flagValue(args, flag);
      expect(value, flag).toBeDefined();
      expect(parseDurationMs(value!), flag).toBeGreaterThan(0);
    }
  });

  it('has the restricted pod security context and a writable /tmp only', () => {
    const pod = theOne<Deployment>(objects, 'Deployment').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    const container = operatorContainer(objects);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes.find((v) => v.name === 'tmp')?.emptyDir).toBeDefined();
  });

  it('probes /healthz and /readyz on the health port 8081, which the operator is told to serve', () => {
    const container = operatorContainer(objects);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(container.ports).toContainEqual(expect.objectContaining({ name: 'health', containerPort: 8081 }));
    expect(flagValue(container.args, 'health-addr')).toBe(':8081');
  });

  it('requests 50m/256Mi and limits memory to 768Mi', () => {
    expect(operatorContainer(objects).resources).toEqual({ requests: { cpu: '50m', memory: '256Mi' }, limits: { memory: '768Mi' } });
  });

  it('has a PodDisruptionBudget keeping one operator pod available', () => {
    const pdb = theOne<KubeObject & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>(
      objects,
      'PodDisruptionBudget',
    );
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.minAvailable).toBe(1);
    const podLabels = theOne<Deployment>(objects, 'Deployment').spec.template.metadata.labels;
    expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
  });

  it('prefers to spread the replicas over nodes', () => {
    const affinity = theOne<Deployment>(objects, 'Deployment').spec.template.spec.affinity;
    expect(affinity).toMatchObject({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{ podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } }],
      },
    });
  });

  it('creates no credentials Secret and passes no default credentials', () => {
    const secrets = ofKind<Secret>(objects, 'Secret');
    for (const s of secrets) expect(Object.keys({ ...s.data, ...s.stringData })).not.toContain('restfulSecret');
    expect(flagValue(operatorContainer(objects).args, 'default-credentials-secret')).toBeUndefined();
  });

  it('gives the operator a generated callback token from a Secret, with a checksum that rolls the pods', () => {
    const container = operatorContainer(objects);
    const tokenEnv = container.env?.find((e) => e.name === 'RTMP_OPERATOR_CALLBACK_TOKEN');
    expect(tokenEnv?.valueFrom?.secretKeyRef).toEqual({ name: `${FULLNAME}-callback-token`, key: 'token' });
    expect(container.args.join(' ')).not.toContain('callback-token');
    const secret = theOne<Secret>(objects, 'Secret', `${FULLNAME}-callback-token`);
    const token = Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8');
    expect(token).toMatch(/^[A-Za-z0-9]{40}$/);
    const annotations = theOne<Deployment>(objects, 'Deployment').spec.template.metadata.annotations;
    expect(annotations?.['checksum/callback-token']).toBe(createHash('sha256').update(token).digest('hex'));
  });

  it.each([
    { service: 'callback', port: 8082, targetPort: 'callback', flag: 'callback-addr' },
    { service: 'metrics', port: 8080, targetPort: 'http-metrics', flag: 'metrics-addr' },
  ])('routes Service $service port $port to the container port the operator listens on', ({ service, port, targetPort, flag }) => {
    const svc = theOne<Service>(objects, 'Service', `${FULLNAME}-${service}`);
    expect(svc.spec.ports).toEqual([expect.objectContaining({ port, targetPort })]);
    const container = operatorContainer(objects);
    const containerPort = container.ports.find((p) => p.name === targetPort)?.containerPort;
    expect(flagValue(container.args, flag)).toBe(`:${containerPort}`);
    expect(matches(svc.spec.selector, theOne<Deployment>(objects, 'Deployment').spec.template.metadata.labels)).toBe(true);
  });

  it('grants the operator exactly its least-privilege rules, cluster-wide, and nothing with a wildcard', () => {
    const role = theOne<Role>(objects, 'ClusterRole', `${FULLNAME}-manager`);
    expect(canonicalRules(role.rules)).toEqual(
      canonicalRules([
        { apiGroups: ['rtmp.jocloud.com'], resources: ['rtmppushtasks'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
        { apiGroups: ['rtmp.jocloud.com'], resources: ['rtmppushtasks/status'], verbs: ['get', 'patch', 'update'] },
        { apiGroups: ['rtmp.jocloud.com'], resources: ['rtmppushtasks/finalizers'], verbs: ['update'] },
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
        { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
      ]),
    );
    for (const r of [...ofKind<Role>(objects, 'ClusterRole'), ...ofKind<Role>(objects, 'Role')].flatMap((x) => x.rules)) {
      expect([...r.apiGroups, ...r.resources, ...r.verbs]).not.toContain('*');
    }
    const binding = theOne<Binding>(objects, 'ClusterRoleBinding');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: FULLNAME, namespace: NS }]);
    expect(theOne<Deployment>(objects, 'Deployment').spec.template.spec.serviceAccountName).toBe(FULLNAME);
  });

  it('confines the Lease rights to the release namespace and the one Lease name (create aside)', () => {
    const role = theOne<Role>(objects, 'Role', `${FULLNAME}-release`);
    expect(role.metadata.namespace).toBe(NS);
    expect(canonicalRules(role.rules)).toEqual(
      canonicalRules([
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update', 'patch'], resourceNames: [FULLNAME] },
      ]),
    );
    expect(theOne<Binding>(objects, 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: FULLNAME, namespace: NS }]);
  });

  it('binds the aggregated admin/edit/view roles to no one', () => {
    const aggregated = ofKind<Role>(objects, 'ClusterRole').filter((r) =>
      Object.keys(r.metadata.labels ?? {}).some((l) => l.startsWith('rbac.authorization.k8s.io/aggregate-to-')),
    );
    expect(aggregated.map((r) => r.metadata.name).sort()).toEqual([`${FULLNAME}-edit`, `${FULLNAME}-view`]);
    const bound = new Set(ofKind<Binding>(objects, 'ClusterRoleBinding').map((b) => b.roleRef.name));
    for (const r of aggregated) expect(bound.has(r.metadata.name)).toBe(false);
  });
});

describe('helm template with settings', () => {
  it('watchNamespace: a Role and RoleBinding in that namespace instead of a ClusterRole, and --namespace', async () => {
    const objects = await render({ set: { watchNamespace: 'streams' } });
    const role = theOne<Role>(objects, 'Role', `${FULLNAME}-manager`);
    expect(role.metadata.namespace).toBe('streams');
    expect(role.rules.some((r) => r.resources.includes('secrets'))).toBe(true);
    expect(ofKind<Role>(objects, 'ClusterRole').map((r) => r.metadata.name)).not.toContain(`${FULLNAME}-manager`);
    expect(ofKind(objects, 'ClusterRoleBinding')).toEqual([]);
    const binding = theOne<Binding>(objects, 'RoleBinding', `${FULLNAME}-manager`);
    expect(binding.metadata.namespace).toBe('streams');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${FULLNAME}-manager` });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: FULLNAME, namespace: NS }]);
    expect(flagValue(operatorContainer(objects).args, 'namespace')).toBe('streams');
  });

  it('watchNamespace elsewhere: the default credentials Secret is readable by name only, in the release namespace', async () => {
    const objects = await render({ set: { watchNamespace: 'streams', 'credentials.existingSecret': 'jc' } });
    const role = theOne<Role>(objects, 'Role', `${FULLNAME}-release`);
    expect(role.rules).toContainEqual({ apiGroups: [''], resources: ['secrets'], resourceNames: ['jc'], verbs: ['get', 'list', 'watch'] });
  });

  it('credentials.create: a Secret with both keys, passed as NAMESPACE/NAME', async () => {
    const objects = await render({
      set: { 'credentials.create': true },
      setString: { 'credentials.restfulId': 'the-id', 'credentials.restfulSecret': 'the-secret' },
    });
    const secret = theOne<Secret>(objects, 'Secret', `${FULLNAME}-credentials`);
    const decoded = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    expect(decoded).toEqual({ restfulId: 'the-id', restfulSecret: 'the-secret' });
    expect(flagValue(operatorContainer(objects).args, 'default-credentials-secret')).toBe(`${NS}/${FULLNAME}-credentials`);
    // The credential values reach the operator through the Secret only.
    expect(JSON.stringify(theOne(objects, 'Deployment'))).not.toMatch(/the-id|the-secret/);
  });

  it('credentials.existingSecret: no Secret rendered, the existing one passed as NAMESPACE/NAME', async () => {
    const objects = await render({ set: { 'credentials.existingSecret': 'jocloud-credentials' } });
    expect(ofKind(objects, 'Secret').map((s) => s.metadata.name)).toEqual([`${FULLNAME}-callback-token`]);
    expect(flagValue(operatorContainer(objects).args, 'default-credentials-secret')).toBe(`${NS}/jocloud-credentials`);
  });

  it('callback.token.existingSecret: no token Secret rendered, the existing one referenced', async () => {
    const objects = await render({ set: { 'callback.token.existingSecret': 'my-token', 'callback.token.existingSecretKey': 'value' } });
    expect(ofKind(objects, 'Secret')).toEqual([]);
    const env = operatorContainer(objects).env?.find((e) => e.name === 'RTMP_OPERATOR_CALLBACK_TOKEN');
    expect(env?.valueFrom?.secretKeyRef).toEqual({ name: 'my-token', key: 'value' });
  });

  it('defaultAppid, vendor and tuning values reach their flags', async () => {
    const objects = await render({
      setString: { defaultAppid: '18446744073709551615', 'vendor.endpoint': 'http://emulator:9090' },
      set: { 'vendor.region': 'international', maxConcurrentReconciles: 8, logLevel: 'debug' },
      // --set turns 2.5 into a string (Helm parses only integers and booleans); a values file keeps the number.
      values: 'vendorQps: 2.5\n',
    });
    const { args } = operatorContainer(objects);
    expect({
      appid: flagValue(args, 'default-appid'),
      endpoint: flagValue(args, 'jocloud-endpoint'),
      region: flagValue(args, 'region'),
      qps: flagValue(args, 'vendor-qps'),
      reconciles: flagValue(args, 'max-concurrent-reconciles'),
      logLevel: flagValue(args, 'log-level'),
    }).toEqual({
      appid: '18446744073709551615',
      endpoint: 'http://emulator:9090',
      region: 'international',
      qps: '2.5',
      reconciles: '8',
      logLevel: 'debug',
    });
  });

  it('one replica: no PodDisruptionBudget (it would block every drain)', async () => {
    const objects = await render({ set: { replicaCount: 1 } });
    expect(ofKind(objects, 'PodDisruptionBudget')).toEqual([]);
  });

  it('one replica without leader election: no --leader-elect and no Lease rights', async () => {
    const objects = await render({ set: { replicaCount: 1, 'leaderElection.enabled': false } });
    expect(operatorContainer(objects).args.filter((a) => a.startsWith('--leader-elect'))).toEqual([]);
    expect(ofKind(objects, 'Role')).toEqual([]);
  });

  it.each([
    { kubeVersion: '1.20.2', apiVersion: 'policy/v1beta1' },
    { kubeVersion: '1.21.0', apiVersion: 'policy/v1' },
    { kubeVersion: '1.32.4', apiVersion: 'policy/v1' },
  ])('uses $apiVersion for the PodDisruptionBudget on Kubernetes $kubeVersion', async ({ kubeVersion, apiVersion }) => {
    const objects = await render({ kubeVersion });
    expect(theOne(objects, 'PodDisruptionBudget').apiVersion).toBe(apiVersion);
  });

  it('callback.ingress: exposes exactly /jocloud/callback on the callback Service', async () => {
    const objects = await render({ set: { 'callback.ingress.enabled': true, 'callback.ingress.hosts[0]': 'cb.example.com' } });
    const ingress = theOne<KubeObject & { spec: { rules: unknown[] } }>(objects, 'Ingress');
    expect(ingress.spec.rules).toEqual([
      {
        host: 'cb.example.com',
        http: {
          paths: [
            {
              path: '/jocloud/callback',
              pathType: 'Exact',
              backend: { service: { name: `${FULLNAME}-callback`, port: { number: 8082 } } },
            },
          ],
        },
      },
    ]);
  });

  it('metrics.serviceMonitor: selects the metrics Service only', async () => {
    const objects = await render({ set: { 'metrics.serviceMonitor.enabled': true } });
    const monitor = theOne<KubeObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string }> } }>(
      objects,
      'ServiceMonitor',
    );
    const selected = ofKind<Service>(objects, 'Service').filter((s) => matches(monitor.spec.selector.matchLabels, s.metadata.labels ?? {}));
    expect(selected.map((s) => s.metadata.name)).toEqual([`${FULLNAME}-metrics`]);
    expect(monitor.spec.endpoints.map((e) => e.port)).toEqual(['http-metrics']);
  });

  it.each([
    { reason: 'two active operators would both call the vendor', set: { 'leaderElection.enabled': false }, error: /leaderElection/ },
    {
      reason: 'existing and created credentials contradict each other',
      set: { 'credentials.create': true, 'credentials.existingSecret': 'x', 'credentials.restfulId': 'a', 'credentials.restfulSecret': 'b' },
      error: /existingSecret/,
    },
    { reason: 'a created Secret needs the credentials', set: { 'credentials.create': true }, error: /restfulId/ },
  ])('refuses to render when $reason', async ({ set, error }) => {
    const result = await renderChart({ set });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(error);
  });
});

describe('values.schema.json', () => {
  it.each([
    { reason: 'replicas must be a number', set: { replicaCount: 'two' }, at: '/replicaCount' },
    { reason: 'a typo must not be silently ignored', set: { replicas: 2 }, at: 'replicas' },
    { reason: 'a nested typo neither', set: { 'leaderElection.enable': false }, at: 'enable' },
    { reason: 'an unquoted appid loses digits in Helm', set: { defaultAppid: 1470236061 }, at: '/defaultAppid' },
    { reason: 'the appid is a uint64', setString: { defaultAppid: '18446744073709551616' }, at: '/defaultAppid' },
    { reason: 'only two regions exist', set: { 'vendor.region': 'mars' }, at: '/vendor/region' },
    { reason: 'durations are Go-style', set: { shutdownTimeout: '30 seconds' }, at: '/shutdownTimeout' },
    { reason: 'log levels are pino levels', set: { logLevel: 'verbose' }, at: '/logLevel' },
    { reason: 'ports are 1-65535', set: { 'callback.port': 70000 }, at: '/callback/port' },
    { reason: 'anti-affinity presets are soft, hard or none', set: { podAntiAffinity: 'sometimes' }, at: '/podAntiAffinity' },
    { reason: 'the vendor QPS must be positive', set: { vendorQps: 0 }, at: '/vendorQps' },
  ])('rejects a bad value: $reason', async ({ set, setString, at }) => {
    const result = await renderChart({ ...(set ? { set } : {}), ...(setString ? { setString } : {}) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('schema');
    expect(result.stderr).toContain(at);
  });

  const schema = JSON.parse(readFileSync(chartFile('values.schema.json'), 'utf8')) as {
    definitions: { duration: { pattern: string } };
    properties: { defaultAppid: { pattern: string } };
  };

  it.each(['15s', '2m', '500ms', '1h', '1.5s', '30', '0s', '15 s', '15sec', '-1s', 's', '', '1d'])(
    'duration pattern agrees with the operator parser on %j',
    (value) => {
      expect(new RegExp(schema.definitions.duration.pattern).test(value)).toBe(parseDurationMs(value) !== undefined);
    },
  );

  it.each([
    { value: '', ok: true },
    { value: '0', ok: true },
    { value: '1470236061', ok: true },
    { value: '18446744073709551615', ok: true },
    { value: '18446744073709551599', ok: true },
    { value: '18446744073709551616', ok: false },
    { value: '18446744073709552000', ok: false },
    { value: '99999999999999999999', ok: false },
    { value: '01470236061', ok: false },
    { value: '-1', ok: false },
    { value: '1e9', ok: false },
  ])('defaultAppid pattern: $value -> $ok', ({ value, ok }) => {
    expect(new RegExp(schema.properties.defaultAppid.pattern).test(value)).toBe(ok);
  });
});

describe('documentation', () => {
  const valuesText = readFileSync(chartFile('values.yaml'), 'utf8');

  /** Dotted paths of every key in values.yaml, with whether a comment describes it. */
  function valueKeys(): Array<{ path: string; commented: boolean; leaf: boolean }> {
    const doc = parseDocument(valuesText);
    const keys: Array<{ path: string; commented: boolean; leaf: boolean }> = [];
    const walk = (map: YAMLMap, prefix: string): void => {
      map.items.forEach((pair, index) => {
        if (!isScalar(pair.key)) throw new Error(`non-scalar key under ${prefix}`);
        const keyPath = prefix === '' ? String(pair.key.value) : `${prefix}.${String(pair.key.value)}`;
        // yaml attaches the comment above a map's first key to the map itself.
        const comment = pair.key.commentBefore ?? (index === 0 ? map.commentBefore : undefined);
        const nested = isMap(pair.value) && pair.value.items.length > 0;
        keys.push({ path: keyPath, commented: (comment ?? '').trim() !== '', leaf: !nested });
        if (nested) walk(pair.value as YAMLMap, keyPath);
      });
    };
    if (!isMap(doc.contents)) throw new Error('values.yaml is not a map');
    walk(doc.contents, '');
    return keys;
  }

  it('has a comment above every key of values.yaml', () => {
    const keys = valueKeys();
    expect(keys.length).toBeGreaterThan(50);
    expect(keys.filter((k) => !k.commented).map((k) => k.path)).toEqual([]);
  });

  it('lists every value, and only existing values, in the README table', () => {
    const readme = readFileSync(chartFile('README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('\n## Values'));
    const documented = new Set([...table.matchAll(/^\| `([A-Za-z0-9.[\]]+)` \|/gm)].map((m) => m[1]!));
    const leaves = valueKeys().filter((k) => k.leaf).map((k) => k.path);
    expect(leaves.filter((p) => !documented.has(p))).toEqual([]);
    const all = new Set(valueKeys().map((k) => k.path));
    expect([...documented].filter((p) => !all.has(p))).toEqual([]);
  });

  it('NOTES.txt tells the next steps', async () => {
    const result = await helm(['install', 'rpo', CHART_DIR, '--namespace', NS, '--dry-run=client']);
    expect(result.code, result.stderr).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain('create secret generic');
    expect(notes).toContain('/jocloud/callback?token=');
    expect(notes).toContain(`get secret ${FULLNAME}-callback-token`);
    expect(notes).toContain('kubectl get rpt');
    expect(notes).toContain('kubectl wait');
    expect(notes).toContain('--for=condition=Ready');
    expect(notes).toContain('kubectl apply --server-side --force-conflicts -f');
  });
});

describe('the CRD', () => {
  const generated = path.join(REPO_ROOT, 'crds', 'rtmppushtasks.rtmp.jocloud.com.yaml');
  const chartCopy = chartFile('crds', 'rtmppushtasks.rtmp.jocloud.com.yaml');

  it('ships in crds/ (installed once, never deleted with the release) as an exact copy of the generated CRD', () => {
    expect(existsSync(generated), `${generated} missing: run npm run generate`).toBe(true);
    expect(
      readFileSync(chartCopy, 'utf8') === readFileSync(generated, 'utf8'),
      'charts/rtmp-push-operator/crds/ differs from crds/: cp crds/rtmppushtasks.rtmp.jocloud.com.yaml charts/rtmp-push-operator/crds/',
    ).toBe(true);
  });

  it('is not a template, so helm uninstall cannot delete it', async () => {
    const objects = await render();
    expect(ofKind(objects, 'CustomResourceDefinition')).toEqual([]);
    const withCrds = await render({ includeCrds: true });
    expect(theOne(withCrds, 'CustomResourceDefinition').metadata.name).toBe('rtmppushtasks.rtmp.jocloud.com');
  });
});
