// The kustomize configuration (kubebuilder layout): `kubectl kustomize config/default` builds the
// CRD, RBAC and operator Deployment, wired to each other, and the Deployment and RBAC say the same
// as the Helm chart's. No cluster needed; test/integration/packaging.test.ts applies the output.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kubectlBinary } from '../harness/kube.js';
import {
  OPERATOR_RUN_FLAGS,
  REPO_ROOT,
  canonicalRules,
  flagValue,
  ofKind,
  parseManifests,
  renderChart,
  theOne,
  type Binding,
  type Deployment,
  type KubeObject,
  type Role,
  type Service,
} from '../harness/helm.js';

const NS = 'rtmp-push-operator-system';
const PREFIX = 'rtmp-push-operator-';

function kustomize(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlBinary(), ['kustomize', path.join(REPO_ROOT, dir)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

async function build(dir: string): Promise<KubeObject[]> {
  const result = await kustomize(dir);
  expect(result.code, result.stderr).toBe(0);
  return parseManifests(result.stdout);
}

const operator = (objects: readonly KubeObject[]) => theOne<Deployment>(objects, 'Deployment').spec.template.spec.containers[0]!;

describe('kubectl kustomize config/default', () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await build('config/default');
  });

  it('yields the namespace, the CRD, the RBAC and the Deployment, prefixed and namespaced', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        `Namespace/${NS}`,
        'CustomResourceDefinition/rtmppushtasks.rtmp.jocloud.com',
        `ServiceAccount/${PREFIX}controller-manager`,
        `ClusterRole/${PREFIX}manager-role`,
        `ClusterRoleBinding/${PREFIX}manager-rolebinding`,
        `Role/${PREFIX}leader-election-role`,
        `RoleBinding/${PREFIX}leader-election-rolebinding`,
        `ClusterRole/${PREFIX}rtmppushtask-editor-role`,
        `ClusterRole/${PREFIX}rtmppushtask-viewer-role`,
        `Deployment/${PREFIX}controller-manager`,
        `Service/${PREFIX}callback`,
        `Service/${PREFIX}metrics`,
      ].sort(),
    );
    const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);
    for (const o of objects.filter((o) => !clusterScoped.has(o.kind))) expect(o.metadata.namespace, o.kind).toBe(NS);
  });

  it('includes the generated CRD unchanged', () => {
    const generated = parseManifests(readFileSync(path.join(REPO_ROOT, 'crds', 'rtmppushtasks.rtmp.jocloud.com.yaml'), 'utf8'));
    expect(theOne(objects, 'CustomResourceDefinition')).toEqual(theOne(generated, 'CustomResourceDefinition'));
  });

  it('binds both roles to the Deployment’s ServiceAccount', () => {
    const sa = theOne(objects, 'ServiceAccount');
    expect(theOne<Deployment>(objects, 'Deployment').spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
    const subject = { kind: 'ServiceAccount', name: sa.metadata.name, namespace: NS };
    const clusterBinding = theOne<Binding>(objects, 'ClusterRoleBinding');
    expect(clusterBinding.subjects).toEqual([subject]);
    expect(clusterBinding.roleRef).toMatchObject({ kind: 'ClusterRole', name: `${PREFIX}manager-role` });
    const leaseBinding = theOne<Binding>(objects, 'RoleBinding');
    expect(leaseBinding.subjects).toEqual([subject]);
    expect(leaseBinding.roleRef).toMatchObject({ kind: 'Role', name: `${PREFIX}leader-election-role` });
  });

  it('runs the released image, not the kubebuilder placeholder', () => {
    expect(operator(objects).image).toBe('ghcr.io/rtmp-push-operator/rtmp-push-operator:0.1.0');
  });

  it('elects a leader on the Lease its Role allows, in its own namespace', () => {
    const { args, env } = operator(objects);
    expect(args[0]).toBe('run');
    expect(args).toContain('--leader-elect');
    const leaseRule = theOne<Role>(objects, 'Role').rules.find((r) => r.resourceNames !== undefined);
    expect(leaseRule?.resourceNames).toEqual([flagValue(args, 'leader-elect-id')]);
    const namespaceEnv = env?.find((e) => e.name === 'RTMP_OPERATOR_LEADER_ELECT_NAMESPACE');
    expect(namespaceEnv?.value).toBe('$(POD_NAMESPACE)');
  });

  it('passes only flags the operator has, and defines env vars before referencing them', () => {
    const { args, env = [] } = operator(objects);
    for (const arg of args.slice(1)) expect(OPERATOR_RUN_FLAGS, arg).toContain(/^--([a-z-]+)/.exec(arg)?.[1]);
    env.forEach((e, index) => {
      const flag = /^RTMP_OPERATOR_([A-Z_]+)$/.exec(e.name)?.[1]?.toLowerCase().replaceAll('_', '-');
      if (flag !== undefined) expect(OPERATOR_RUN_FLAGS, e.name).toContain(flag);
      // Kubernetes expands $(VAR) only for variables defined earlier in the list.
      for (const [, ref] of (e.value ?? '').matchAll(/\$\((\w+)\)/g)) {
        expect(env.slice(0, index).map((d) => d.name), `${e.name} references ${ref}`).toContain(ref);
      }
    });
    expect(env.find((e) => e.name === 'RTMP_OPERATOR_CALLBACK_TOKEN')?.valueFrom?.secretKeyRef).toEqual({
      name: 'callback-token',
      key: 'token',
    });
  });

  it.each([
    { service: 'callback', targetPort: 'callback', flag: 'callback-addr' },
    { service: 'metrics', targetPort: 'http-metrics', flag: 'metrics-addr' },
  ])('routes Service $service to the port the operator listens on', ({ service, targetPort, flag }) => {
    const svc = theOne<Service>(objects, 'Service', `${PREFIX}${service}`);
    expect(svc.spec.ports[0]?.targetPort).toBe(targetPort);
    const container = operator(objects);
    expect(flagValue(container.args, flag)).toBe(`:${container.ports.find((p) => p.name === targetPort)?.containerPort}`);
    const podLabels = theOne<Deployment>(objects, 'Deployment').spec.template.metadata.labels;
    expect(Object.entries(svc.spec.selector).every(([k, v]) => podLabels[k] === v)).toBe(true);
  });

  describe('says the same as the Helm chart', () => {
    let chart: KubeObject[];
    beforeAll(async () => {
      const result = await renderChart();
      expect(result.code, result.stderr).toBe(0);
      chart = result.objects;
    });

    it.each(['securityContext', 'livenessProbe', 'readinessProbe', 'resources', 'ports', 'volumeMounts'] as const)(
      'container %s',
      (field) => {
        expect(operator(objects)[field]).toEqual(operator(chart)[field]);
      },
    );

    it.each(['securityContext', 'volumes', 'terminationGracePeriodSeconds', 'affinity', 'enableServiceLinks'] as const)('pod %s', (field) => {
      // Key order aside, and pod labels aside (Helm's app.kubernetes.io/* vs kubebuilder's), they must not differ.
      const strip = (value: unknown): string =>
        JSON.stringify(value, (key, v: unknown) => {
          if (key === 'matchLabels') return 'pod labels';
          if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
          return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)));
        });
      expect(strip(theOne<Deployment>(objects, 'Deployment').spec.template.spec[field])).toBe(
        strip(theOne<Deployment>(chart, 'Deployment').spec.template.spec[field]),
      );
    });

    it('replicas', () => {
      expect(theOne<Deployment>(objects, 'Deployment').spec.replicas).toBe(theOne<Deployment>(chart, 'Deployment').spec.replicas);
    });

    it('operator RBAC rules', () => {
      const chartRole = ofKind<Role>(chart, 'ClusterRole').find((r) => r.metadata.name.endsWith('-manager'))!;
      expect(canonicalRules(theOne<Role>(objects, 'ClusterRole', `${PREFIX}manager-role`).rules)).toEqual(canonicalRules(chartRole.rules));
      const rename = (rules: Role['rules']) => rules.map((r) => ({ ...r, ...(r.resourceNames ? { resourceNames: ['LEASE'] } : {}) }));
      expect(canonicalRules(rename(theOne<Role>(objects, 'Role').rules))).toEqual(
        canonicalRules(rename(theOne<Role>(chart, 'Role').rules)),
      );
    });
  });
});

describe('kubectl kustomize config/prometheus', () => {
  it('builds a ServiceMonitor that selects the metrics Service only', async () => {
    const [monitors, defaults] = await Promise.all([build('config/prometheus'), build('config/default')]);
    const monitor = theOne<KubeObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string }> } }>(
      monitors,
      'ServiceMonitor',
    );
    const selected = ofKind<Service>(defaults, 'Service').filter((s) =>
      Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v),
    );
    expect(selected.map((s) => s.metadata.name)).toEqual([`${PREFIX}metrics`]);
    expect(selected[0]!.spec.ports.map((p) => p.name)).toContain(monitor.spec.endpoints[0]?.port);
  });

  it('builds the alert rules beside it', async () => {
    const objects = await build('config/prometheus');
    expect(objects.map((o) => o.kind).sort()).toEqual(['PrometheusRule', 'ServiceMonitor']);
    expect(theOne(objects, 'PrometheusRule').metadata.labels?.['app.kubernetes.io/name']).toBe('rtmp-push-operator');
  });
});
