// The chart's RBAC is what the operator needs: the chart is rendered (watchNamespace mode, the
// default credentials Secret in the release namespace, leader election on), its ServiceAccount
// and roles are applied, and the operator process runs with a TokenRequest token of that
// ServiceAccount and the Deployment's own args and env. It then does its whole job — tasks to
// Ready through both credential sources, an update, deletion through the finalizer, Events, the
// Lease — without a single refusal; and the same token is refused everything else tried here.
// (test/integration/packaging.test.ts asks the authorizer about many more verbs with
// `kubectl auth can-i`; this file proves the grants are enough, and that the token is the
// restricted identity, not the harness's admin.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderChart, theOne, type Deployment, type KubeObject, type Secret } from '../harness/helm.js';
import { createNamespace, kubectl } from '../harness/kube.js';
import { CALLBACK_TOKEN, CREDENTIALS_SECRET, condition, OperatorFixture } from '../harness/operator.js';
import {
  OperatorProcess,
  killAllOperatorProcesses,
  printOperatorLogsOnFailure,
  listenFlags,
  processConfigFromDeployment,
  serviceAccountKubeconfig,
} from '../harness/operator-process.js';
import { freePort } from '../harness/process.js';
import { httpStatusOf } from '../../src/runtime/kube-client.js';

const RBAC_KINDS = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
const TASK_SECRET = 'task-credentials';

describe("the operator under the chart's ServiceAccount", () => {
  printOperatorLogsOnFailure();
  let env: OperatorFixture;
  let releaseNamespace: string;
  let tmp: string;
  let sa: { path: string; kubeConfig: KubeConfig };
  let op: OperatorProcess;
  let leaseName: string;
  const release = `rb${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    // The watched namespace is the fixture's (with the emulator); the release namespace holds the
    // operator's ServiceAccount, its Lease and the default credentials Secret.
    env = await OperatorFixture.create({ prefix: 'platform-rbac-watched', deferStart: true });
    releaseNamespace = await createNamespace(env.kubeConfig, 'platform-rbac-release');
    const { restfulId, restfulSecret } = env.account;
    await env.core.createNamespacedSecret({ namespace: releaseNamespace, body: { metadata: { name: CREDENTIALS_SECRET }, stringData: { restfulId, restfulSecret } } });
    await env.core.createNamespacedSecret({ namespace: env.namespace, body: { metadata: { name: TASK_SECRET }, stringData: { restfulId, restfulSecret } } });

    const rendered = await renderChart({
      release,
      namespace: releaseNamespace,
      set: { watchNamespace: env.namespace, 'credentials.existingSecret': CREDENTIALS_SECRET, 'rbac.aggregateToDefaultRoles': false, logLevel: 'debug' },
      setString: { defaultAppid: env.appid },
    });
    expect(rendered.code, rendered.stderr).toBe(0);
    const rbac = rendered.objects.filter((o) => RBAC_KINDS.includes(o.kind));
    expect(rbac.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    const applied = await kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rbac }) });
    expect(applied.code, applied.stderr).toBe(0);

    const deployment = theOne<Deployment>(rendered.objects, 'Deployment');
    const config = await processConfigFromDeployment(deployment, (name, key) => Promise.resolve(renderedSecretKey(rendered.objects, name, key)), {
      name: 'rbac-0',
      namespace: releaseNamespace,
    });
    tmp = await mkdtemp(path.join(tmpdir(), 'rpo-rbac-'));
    sa = await serviceAccountKubeconfig(env.kubeConfig, releaseNamespace, config.serviceAccountName, tmp);
    leaseName = `${release}-rtmp-push-operator`;
    expect(config.args).toContain(`--leader-elect-id=${leaseName}`);
    op = OperatorProcess.start({
      name: 'rbac-0',
      // The Deployment's args, then what a pod would get from its environment instead: the
      // ServiceAccount's credentials, the vendor (here the emulator) and free local ports.
      args: [
        ...config.args,
        `--kubeconfig=${sa.path}`,
        `--jocloud-endpoint=${env.emulator.url}`,
        ...listenFlags({ callback: env.callbackPort, health: await freePort(), metrics: await freePort() }),
      ],
      // The fixture's emulator calls back with the fixture's token, not the chart's random one.
      env: { ...config.env, RTMP_OPERATOR_CALLBACK_TOKEN: CALLBACK_TOKEN },
    });
  });

  afterAll(async () => {
    await killAllOperatorProcesses();
    await env.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('does its whole job: tasks Ready with either credentials source, update, delete, Events, the Lease', async () => {
    await env.create(env.task('default-creds', { taskid: 'rbac-default' }));
    await env.create(env.task('own-creds', { taskid: 'rbac-own', credentialsSecretRef: { name: TASK_SECRET } }));
    await env.waitForCondition('default-creds', 'Ready', 'True');
    await env.waitForCondition('own-creds', 'Ready', 'True');

    await env.patchSpec('default-creds', { rtmpurls: ['rtmp://push.example.com/live/rbac-moved'] });
    await env.waitFor('default-creds', (t) => t?.status?.observedGeneration === 2 && condition(t, 'Synced')?.status === 'True', 20_000, 'generation 2 Synced');

    await env.delete('default-creds');
    await env.delete('own-creds');
    await env.waitFor('default-creds', (t) => t === undefined, 20_000, 'deletion');
    await env.waitFor('own-creds', (t) => t === undefined, 20_000, 'deletion');

    const calls = await env.vendorCalls();
    expect(calls.map((c) => `${c.endpoint}:${String(c.code)}`).sort()).toEqual(['startrtmp:0', 'startrtmp:0', 'startrtmp:0', 'stoprtmp:0', 'stoprtmp:0']);

    const events = await env.core.listNamespacedEvent({ namespace: env.namespace });
    const ours = events.items.filter((e) => e.source?.component === 'rtmp-push-operator' || e.reportingComponent === 'rtmp-push-operator');
    // StreamingStarted: the callback writer's Event when a task's addresses all report pushing.
    expect(new Set(ours.map((e) => e.reason))).toEqual(new Set(['Started', 'StreamingStarted', 'Updated', 'Stopped']));

    const lease = await env.kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: leaseName, namespace: releaseNamespace });
    expect(lease.spec?.holderIdentity).toMatch(/^rbac-0_/);

    // Not one request was refused: the grants cover everything the operator does.
    expect(op.lines.filter((l) => /forbidden|\b403\b/i.test(l))).toEqual([]);
    expect(op.records().filter((r) => r.level === 'error' || r.level === 'fatal')).toEqual([]);
    expect((await op.terminate()).code).toBe(0);
  });

  it.each([
    { what: 'list ConfigMaps in the watched namespace', where: 'watched', call: (kc: KubeConfig, ns: string) => kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: ns }) },
    { what: 'create a Pod in the watched namespace', where: 'watched', call: (kc: KubeConfig, ns: string) => kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: ns, body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } }) },
    { what: 'delete a Secret in the watched namespace', where: 'watched', call: (kc: KubeConfig, ns: string) => kc.makeApiClient(CoreV1Api).deleteNamespacedSecret({ name: TASK_SECRET, namespace: ns }) },
    { what: 'list every Secret of the release namespace', where: 'release', call: (kc: KubeConfig, ns: string) => kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns }) },
    { what: 'create an RtmpPushTask', where: 'watched', call: (kc: KubeConfig, ns: string) => kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ group: 'rtmp.jocloud.com', version: 'v1alpha1', plural: 'rtmppushtasks', namespace: ns, body: env.task('forbidden') }) },
    { what: 'list RtmpPushTasks across the cluster', where: 'watched', call: (kc: KubeConfig) => kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'rtmp.jocloud.com', version: 'v1alpha1', plural: 'rtmppushtasks' }) },
  ])('the same token is refused: $what', async ({ where, call }) => {
    const ns = where === 'release' ? releaseNamespace : env.namespace;
    const status = await call(sa.kubeConfig, ns).then(
      () => 200,
      (err: unknown) => httpStatusOf(err),
    );
    expect(status).toBe(403);
  });
});

function renderedSecretKey(objects: readonly KubeObject[], name: string, key: string): string {
  const secret = objects.find((o): o is Secret => o.kind === 'Secret' && o.metadata.name === name);
  const value = secret?.data?.[key];
  if (value === undefined) throw new Error(`the chart rendered no Secret ${name} with key ${key}`);
  return Buffer.from(value, 'base64').toString('utf8');
}
