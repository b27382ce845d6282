// The packaging against a real kube-apiserver: the rendered Helm chart and the kustomize output are
// accepted by `kubectl apply --dry-run=server` (full validation and admission, nothing persisted),
// the samples are valid RtmpPushTasks, and the chart's RBAC grants the operator's ServiceAccount
// what it needs and nothing more, as the apiserver's own authorizer decides (`kubectl auth can-i`
// with impersonation).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VersionApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_DIR, REPO_ROOT, helm, renderChart, type KubeObject } from '../harness/helm.js';
import { createNamespace, injectedKubeconfigPath, kubeConfigFromInjected, kubectl } from '../harness/kube.js';

const CRD_FILE = path.join(REPO_ROOT, 'crds', 'rtmppushtasks.rtmp.jocloud.com.yaml');
const CRD_NAME = 'rtmppushtasks.rtmp.jocloud.com';

async function mustKubectl(args: readonly string[], input?: string): Promise<string> {
  const result = await kubectl(args, input === undefined ? {} : { input });
  expect(result.code, `kubectl ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

/** `kubectl apply --dry-run=server` of a manifest stream; returns kubectl's per-object lines. */
async function serverDryRun(manifests: string, namespace: string): Promise<string> {
  return mustKubectl(['apply', '--dry-run=server', '--namespace', namespace, '-f', '-'], manifests);
}

describe('packaging on the real control plane', () => {
  const kc = kubeConfigFromInjected();
  let namespace: string;
  let kubeVersion: string;

  beforeAll(async () => {
    namespace = await createNamespace(kc, 'packaging');
    const version = await kc.makeApiClient(VersionApi).getCode();
    // The chart picks API versions by Kubernetes version (the PDB below 1.21), as a real install would.
    kubeVersion = `${version.major}.${version.minor.replace(/\D+$/, '')}.0`;
    // Custom resources can only be dry-run once their CRD is established; apply it for real
    // (idempotent: other tests install the same generated CRD).
    await mustKubectl(['apply', '--server-side', '--force-conflicts', '-f', CRD_FILE]);
    await mustKubectl(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=60s']);
  });

  describe('the Helm chart', () => {
    it.each([
      { reason: 'default values', set: {} },
      {
        reason: 'watchNamespace, created credentials, Ingress, an existing token Secret',
        set: {
          'credentials.create': true,
          'credentials.restfulId': 'id',
          'credentials.restfulSecret': 'secret',
          'callback.ingress.enabled': true,
          'callback.ingress.hosts[0]': 'cb.example.com',
          'callback.token.existingSecret': 'my-token',
        },
        watchOwnNamespace: true,
      },
      { reason: 'one replica without leader election', set: { replicaCount: 1, 'leaderElection.enabled': false } },
    ])('is accepted by kube-apiserver: $reason', async ({ set, watchOwnNamespace }) => {
      const rendered = await renderChart({
        namespace,
        kubeVersion,
        set: { ...set, ...(watchOwnNamespace === true ? { watchNamespace: namespace } : {}) },
      });
      expect(rendered.code, rendered.stderr).toBe(0);
      const out = await serverDryRun(rendered.stdout, namespace);
      for (const object of rendered.objects) {
        expect(out, `${object.kind} ${object.metadata.name}`).toContain(`/${object.metadata.name} `);
      }
      expect(out).toContain('deployment.apps/rpo-rtmp-push-operator');
    });
  });

  describe('helm install and upgrade', () => {
    // No kubelet runs on the test control plane, so the pods never start; what is checked is
    // Helm's side: the install goes through, and an upgrade keeps the generated callback token.
    const release = `pk${randomBytes(3).toString('hex')}`;
    const helmIn = (args: string[]) =>
      helm([...args, '--namespace', namespace, '--kubeconfig', injectedKubeconfigPath(), '--kube-insecure-skip-tls-verify']);
    afterAll(async () => {
      await helmIn(['uninstall', release]);
    });

    async function tokenAndChecksum(): Promise<{ token: string; checksum: string | undefined }> {
      const secret = JSON.parse(await mustKubectl(['get', 'secret', `${release}-rtmp-push-operator-callback-token`, '-n', namespace, '-o', 'json'])) as {
        data: { token: string };
      };
      const deployment = JSON.parse(await mustKubectl(['get', 'deployment', `${release}-rtmp-push-operator`, '-n', namespace, '-o', 'json'])) as {
        spec: { template: { metadata: { annotations?: Record<string, string> } } };
      };
      return { token: secret.data.token, checksum: deployment.spec.template.metadata.annotations?.['checksum/callback-token'] };
    }

    it('installs, prints the next steps, and keeps the callback token across an upgrade', async () => {
      // --skip-crds, as the README says for a CRD that is already there and not Helm's: Helm 4
      // applies crds/ server-side and fails on fields another manager (here kubectl) owns.
      const installed = await helmIn(['install', release, CHART_DIR, '--skip-crds', '--set', 'credentials.existingSecret=jocloud-credentials']);
      expect(installed.code, installed.stderr).toBe(0);
      expect(installed.stdout).toContain('/jocloud/callback?token=');
      const before = await tokenAndChecksum();
      expect(before.token).not.toBe('');

      const upgraded = await helmIn(['upgrade', release, CHART_DIR, '--reuse-values', '--set', 'logLevel=debug']);
      expect(upgraded.code, upgraded.stderr).toBe(0);
      // A new token would break the URL configured in the vendor console, and roll the pods for nothing.
      expect(await tokenAndChecksum()).toEqual(before);
    });
  });

  describe('the kustomize configuration', () => {
    let overlay: string;
    afterAll(async () => {
      await rm(overlay, { recursive: true, force: true });
    });

    it('config/default is accepted by kube-apiserver (in a test namespace through an overlay)', async () => {
      // kustomize refuses absolute paths to bases; the overlay only retargets the namespace.
      overlay = await mkdtemp(path.join(tmpdir(), 'rpo-kustomize-'));
      const base = path.relative(overlay, path.join(REPO_ROOT, 'config', 'default'));
      await writeFile(path.join(overlay, 'kustomization.yaml'), `namespace: ${namespace}\nresources:\n  - ${base}\n`);
      const built = await mustKubectl(['kustomize', overlay]);
      const out = await serverDryRun(built, namespace);
      expect(out).toContain(`customresourcedefinition.apiextensions.k8s.io/${CRD_NAME}`);
      expect(out).toContain('clusterrole.rbac.authorization.k8s.io/rtmp-push-operator-manager-role');
      expect(out).toContain('deployment.apps/rtmp-push-operator-controller-manager');
      expect(out).toContain(`namespace/${namespace}`);
    });

    it('config/samples are valid RtmpPushTasks (server-side schema validation)', async () => {
      const out = await mustKubectl(['apply', '--dry-run=server', '--namespace', namespace, '-k', path.join(REPO_ROOT, 'config', 'samples')]);
      // One line per sample: mixed with input layout, template layout, source push, audio-only mix.
      expect(out.split('\n').filter((l) => l.startsWith('rtmppushtask.rtmp.jocloud.com/')).length).toBeGreaterThanOrEqual(4);
    });

    it('the README quickstart sample applies', async () => {
      const sample = path.join(REPO_ROOT, 'config', 'samples', 'rtmp.jocloud.com_v1alpha1_rtmppushtask.yaml');
      await mustKubectl(['apply', '--dry-run=server', '--namespace', namespace, '-f', sample]);
    });
  });

  /** Applies the chart's RBAC objects for a unique release and asks the authorizer about its ServiceAccount. */
  function rbacOf(set: Record<string, string | number | boolean>) {
    // A unique release, so its cluster-scoped roles cannot collide with another run's.
    const release = `pk${randomBytes(3).toString('hex')}`;
    let applied: KubeObject[] = [];
    return {
      release,
      lease: `${release}-rtmp-push-operator`,
      async apply(): Promise<void> {
        const result = await renderChart({ release, namespace, kubeVersion, set: { ...set, 'rbac.aggregateToDefaultRoles': false } });
        expect(result.code, result.stderr).toBe(0);
        applied = result.objects.filter((o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind));
        // Every object names its namespace (the release's, or the watched one for the manager Role).
        await mustKubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: applied }));
      },
      async cleanUp(): Promise<void> {
        // Cluster-scoped objects outlive the namespace; remove them (the namespaced ones stay with it).
        const clusterScoped = applied.filter((o) => o.kind.startsWith('Cluster')).map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`);
        if (clusterScoped.length > 0) await kubectl(['delete', '--ignore-not-found', ...clusterScoped]);
      },
      async canI(verb: string, resource: string, ns: string | undefined, subresource?: string): Promise<boolean> {
        const args = ['auth', 'can-i', verb, resource, `--as=system:serviceaccount:${namespace}:${release}-rtmp-push-operator`];
        args.push(ns === undefined ? '--all-namespaces' : `--namespace=${ns}`);
        if (subresource !== undefined) args.push(`--subresource=${subresource}`);
        const result = await kubectl(args);
        if (result.code !== 0 && result.code !== 1) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
        return result.code === 0;
      },
    };
  }

  interface AccessCase {
    verb: string;
    resource: string;
    subresource?: string;
    where: 'all' | 'release' | 'other';
    allowed: boolean;
    reason: string;
  }

  describe("the chart's RBAC (cluster-wide), as the apiserver authorizes it", () => {
    const rbac = rbacOf({});
    let other: string;
    beforeAll(async () => {
      other = await createNamespace(kc, 'packaging-other');
      await rbac.apply();
    });
    afterAll(() => rbac.cleanUp());

    it.each<AccessCase>([
      { verb: 'watch', resource: 'rtmppushtasks.rtmp.jocloud.com', where: 'all', allowed: true, reason: 'watch tasks everywhere' },
      { verb: 'list', resource: 'rtmppushtasks.rtmp.jocloud.com', where: 'all', allowed: true, reason: 'list tasks everywhere' },
      { verb: 'patch', resource: 'rtmppushtasks.rtmp.jocloud.com', where: 'other', allowed: true, reason: 'add the finalizer' },
      { verb: 'update', resource: 'rtmppushtasks.rtmp.jocloud.com', where: 'other', allowed: true, reason: 'remove the finalizer' },
      { verb: 'patch', resource: 'rtmppushtasks.rtmp.jocloud.com', subresource: 'status', where: 'other', allowed: true, reason: 'write status' },
      { verb: 'update', resource: 'rtmppushtasks.rtmp.jocloud.com', subresource: 'finalizers', where: 'other', allowed: true, reason: 'finalizers subresource' },
      { verb: 'watch', resource: 'secrets', where: 'all', allowed: true, reason: 'watch credentials Secrets' },
      { verb: 'create', resource: 'events', where: 'other', allowed: true, reason: 'record Events' },
      { verb: 'patch', resource: 'events', where: 'other', allowed: true, reason: 'aggregate Events' },
      { verb: 'watch', resource: 'namespaces', where: 'all', allowed: true, reason: 'tenancy reads Namespace labels and annotations' },
      { verb: 'patch', resource: 'namespaces', where: 'all', allowed: false, reason: 'Namespaces are read-only' },
      { verb: 'create', resource: 'leases.coordination.k8s.io', where: 'release', allowed: true, reason: 'create the Lease' },
      { verb: 'update', resource: 'lease/LEASE', where: 'release', allowed: true, reason: 'renew the Lease' },
      { verb: 'create', resource: 'rtmppushtasks.rtmp.jocloud.com', where: 'other', allowed: false, reason: 'tasks belong to users' },
      { verb: 'delete', resource: 'rtmppushtasks.rtmp.jocloud.com', where: 'other', allowed: false, reason: 'tasks belong to users' },
      { verb: 'create', resource: 'secrets', where: 'other', allowed: false, reason: 'Secrets are read-only' },
      { verb: 'update', resource: 'secrets', where: 'other', allowed: false, reason: 'Secret data is never written' },
      { verb: 'patch', resource: 'secrets', where: 'other', allowed: true, reason: 'the credentials-in-use finalizer' },
      { verb: 'delete', resource: 'events', where: 'other', allowed: false, reason: 'no deleting Events' },
      { verb: 'update', resource: 'lease/another-operator', where: 'release', allowed: false, reason: 'only its own Lease' },
      { verb: 'create', resource: 'leases.coordination.k8s.io', where: 'other', allowed: false, reason: 'Leases in its namespace only' },
      { verb: 'get', resource: 'pods', where: 'other', allowed: false, reason: 'no other resources' },
      { verb: 'list', resource: 'configmaps', where: 'release', allowed: false, reason: 'no other resources' },
      { verb: 'get', resource: 'customresourcedefinitions.apiextensions.k8s.io', where: 'all', allowed: false, reason: 'Helm installs the CRD' },
    ])('$verb $resource in $where namespace: $allowed ($reason)', async ({ verb, resource, subresource, where, allowed }) => {
      const ns = where === 'all' ? undefined : where === 'release' ? namespace : other;
      expect(await rbac.canI(verb, resource.replace('LEASE', rbac.lease), ns, subresource)).toBe(allowed);
    });
  });

  describe("the chart's RBAC with watchNamespace, as the apiserver authorizes it", () => {
    let watched: string;
    let rbac: ReturnType<typeof rbacOf>;
    beforeAll(async () => {
      watched = await createNamespace(kc, 'packaging-watched');
      rbac = rbacOf({ watchNamespace: watched, 'credentials.existingSecret': 'jocloud-credentials' });
      await rbac.apply();
    });
    afterAll(() => rbac.cleanUp());

    it.each<AccessCase>([
      { verb: 'watch', resource: 'rtmppushtasks.rtmp.jocloud.com', where: 'other', allowed: true, reason: 'tasks in the watched namespace' },
      { verb: 'watch', resource: 'rtmppushtasks.rtmp.jocloud.com', where: 'all', allowed: false, reason: 'not across the cluster' },
      { verb: 'watch', resource: 'secrets', where: 'other', allowed: true, reason: 'Secrets in the watched namespace' },
      { verb: 'list', resource: 'secrets', where: 'all', allowed: false, reason: 'not across the cluster' },
      { verb: 'get', resource: 'secret/jocloud-credentials', where: 'release', allowed: true, reason: 'the default credentials by name' },
      { verb: 'get', resource: 'secret/some-other-secret', where: 'release', allowed: false, reason: 'no other Secret of the release namespace' },
      { verb: 'create', resource: 'events', where: 'other', allowed: true, reason: 'Events on watched tasks' },
      { verb: 'list', resource: 'namespaces', where: 'all', allowed: false, reason: 'no Namespace is read: the release is the boundary' },
    ])('$verb $resource in $where namespace: $allowed ($reason)', async ({ verb, resource, where, allowed }) => {
      const ns = where === 'all' ? undefined : where === 'release' ? namespace : watched;
      expect(await rbac.canI(verb, resource, ns)).toBe(allowed);
    });
  });
});
