// Issue 8, leak path 4: deleting a namespace deletes its credentials Secrets and its tasks in no
// useful order. With kube-controller-manager running (the namespace controller empties and removes
// a deleted namespace), every push of the namespace's tasks must still be stopped, with the
// credentials that started it: the in-use finalizer on the Secrets (secret-protection.ts) keeps
// them until no task that may still push needs them, then comes off, and the namespace goes away.
import { Watch, type CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_IN_USE_FINALIZER } from '../../src/api/v1alpha1/constants.js';
import { startControllerManager, type ControllerManager } from '../harness/controller-manager.js';
import { injectedKubeconfigPath } from '../harness/kube.js';
import { condition, CREDENTIALS_SECRET, OperatorFixture } from '../harness/operator.js';
import { eventually } from '../harness/operator-process.js';

const OWN_SECRET = 'tenant-credentials';

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
}

async function namespaceGone(core: CoreV1Api, name: string): Promise<true | undefined> {
  try {
    await core.readNamespace({ name });
    return undefined;
  } catch (error) {
    if (statusOf(error) === 404) return true;
    throw error;
  }
}

interface SecretSeen {
  readonly phase: string;
  readonly name: string;
  readonly finalizers: readonly string[];
  readonly deleting: boolean;
  readonly at: number;
}

describe('deleting a namespace that holds tasks and their Secrets', () => {
  let manager: ControllerManager | undefined;
  let f: OperatorFixture;

  beforeAll(async () => {
    manager = await startControllerManager({ kubeconfigPath: injectedKubeconfigPath() });
    f = await OperatorFixture.create({ prefix: 'nsdel' });
  });

  afterAll(async () => {
    await f.close();
    await manager?.stop();
  });

  it('stops every push (a started one, one whose answer was lost), removes the in-use finalizers, and the namespace goes', async () => {
    await f.core.createNamespacedSecret({
      namespace: f.namespace,
      body: { metadata: { name: OWN_SECRET }, stringData: { restfulId: f.account.restfulId, restfulSecret: f.account.restfulSecret } },
    });
    // The vendor carries out every start of ns-lost, and the answers are lost: only the intent knows.
    await f.emulator.control.addFault({ endpoint: 'startrtmp', carryOut: true, reset: true, match: { taskid: 'ns-lost' } });
    await f.create(f.task('default-creds', { taskid: 'ns-default' }));
    await f.create(f.task('own-creds', { taskid: 'ns-own', credentialsSecretRef: { name: OWN_SECRET } }));
    await f.create(f.task('lost', { taskid: 'ns-lost' }));
    await f.waitForCondition('default-creds', 'Ready', 'True');
    await f.waitForCondition('own-creds', 'Ready', 'True');
    await f.waitFor('lost', (t) => condition(t, 'Synced')?.reason === 'Network', 20_000, 'the lost start recorded');
    expect((await f.emulator.control.tasks()).map((t) => t.taskid).sort()).toEqual(['ns-default', 'ns-lost', 'ns-own']);
    for (const name of [CREDENTIALS_SECRET, OWN_SECRET]) {
      const secret = await f.core.readNamespacedSecret({ namespace: f.namespace, name });
      expect(secret.metadata?.finalizers, name).toContain(SECRET_IN_USE_FINALIZER);
    }

    const seen: SecretSeen[] = [];
    const watch = await new Watch(f.kubeConfig).watch(
      `/api/v1/namespaces/${f.namespace}/secrets`,
      {},
      (phase, s: V1Secret) =>
        seen.push({ phase, name: s.metadata?.name ?? '', finalizers: s.metadata?.finalizers ?? [], deleting: s.metadata?.deletionTimestamp !== undefined, at: Date.now() }),
      () => undefined,
    );
    try {
      await eventually('the Secret watch listing both Secrets', () => (seen.filter((s) => s.phase === 'ADDED').length >= 2 ? true : undefined));
      await f.core.deleteNamespace({ name: f.namespace });
      await eventually(`namespace ${f.namespace} gone`, () => namespaceGone(f.core, f.namespace), { timeoutMs: 45_000, intervalMs: 250 });
    } finally {
      watch.abort();
    }

    // Every push stopped, each with a stoprtmp the vendor answered 0 (it was running).
    expect(await f.emulator.control.tasks()).toEqual([]);
    const stops = await f.vendorCalls('stoprtmp');
    expect(stops.map((c) => `${(c.body as { taskid?: string }).taskid ?? ''} ${c.code ?? c.outcome}`).sort()).toEqual(['ns-default 0', 'ns-lost 0', 'ns-own 0']);
    // Each Secret was held (being deleted, with the in-use finalizer) until the stops were done,
    // then let go by the operator (only it removes that finalizer; the namespace could not go otherwise).
    const lastStop = Math.max(...stops.map((c) => Date.parse(c.doneAt)));
    for (const name of [CREDENTIALS_SECRET, OWN_SECRET]) {
      const events = seen.filter((s) => s.name === name);
      // The namespace controller deletes in no fixed order: when it reached the Secret before the
      // stops were done, the in-use finalizer must have held it.
      const reached = events.find((s) => s.deleting || s.phase === 'DELETED')?.at ?? 0;
      if (reached < lastStop) expect(events.some((s) => s.deleting && s.finalizers.includes(SECRET_IN_USE_FINALIZER)), `${name}: ${JSON.stringify(events)}`).toBe(true);
      expect(events.find((s) => s.phase === 'DELETED')?.at ?? 0).toBeGreaterThanOrEqual(lastStop);
    }
    // Each task was let go by the operator (its finalizer removed after the stop), none forced.
    for (const name of ['default-creds', 'own-creds', 'lost']) {
      expect(f.decisions(name).some((d) => d.kind === 'RemoveFinalizer' && d.why === 'Stopped'), name).toBe(true);
    }
  });
});
