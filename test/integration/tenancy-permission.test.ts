// Tenancy on the real control plane, with an operator watching every namespace and a
// --default-credentials-namespace-selector: a namespace outside the selector gets NotPermitted and
// no vendor call, and is permitted by labelling the namespace (no task edit); a task that may not
// run claims no vendor identity; and spec.credentialsSecretRef only ever names a Secret of the
// task's own namespace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_IN_USE_FINALIZER } from '../../src/api/v1alpha1/constants.js';
import type { CallRecord } from '../../src/emulator/control-api.js';
import { condition } from '../harness/task-client.js';
import { clusterWideOperator, TENANT_LABEL, unique, type Teams } from '../harness/teams.js';

type Body = { taskid?: string; rtmpurl?: string };
const body = (c: CallRecord): Body => (c.body ?? {});

describe('tenancy: who may use the default credentials', () => {
  let teams: Teams;
  beforeAll(async () => {
    teams = await clusterWideOperator('tenancy');
  });
  afterAll(async () => {
    await teams.close();
  });

  const callsFor = async (taskid: string): Promise<CallRecord[]> => (await teams.op.vendorCalls()).filter((c) => body(c).taskid === taskid);

  it('a namespace outside the selector is NotPermitted with no vendor call; labelling it permits the task as it is', async () => {
    const denied = await teams.team('denied', { permitted: false });
    const taskid = unique('denied');
    await denied.create(denied.task('stream', { taskid }));
    const refused = await denied.waitForCondition('stream', 'Synced', 'False', 'NotPermitted');
    expect(condition(refused, 'Synced')?.message).toContain(`may not use the operator's default credentials`);
    expect(condition(refused, 'Synced')?.message).toContain(`${TENANT_LABEL}=${teams.runId}`);
    expect(condition(refused, 'Stalled')).toMatchObject({ status: 'True', reason: 'NotPermitted' });
    expect((await denied.waitForEvent('stream', 'NotPermitted'))[0]?.type).toBe('Warning');
    expect(teams.op.decisions('stream', denied.namespace).map((d) => d.kind)).not.toContain('Start');
    expect(await callsFor(taskid)).toEqual([]);

    await teams.permit(denied.namespace);
    const started = await denied.waitForCondition('stream', 'Ready', 'True');
    expect(started?.metadata.generation).toBe(1);
    expect(condition(started, 'Stalled')).toBeUndefined();
    expect((await callsFor(taskid)).map((c) => `${c.endpoint} ${c.code ?? ''}`)).toEqual(['startrtmp 0']);
  });

  it('a task that may not run claims nothing: an older task in a denied namespace does not block a permitted one', async () => {
    const denied = await teams.team('squatter', { permitted: false });
    const allowed = await teams.team('rightful');
    const taskid = unique('contested');
    await denied.create(denied.task('stream', { taskid }));
    await denied.waitForCondition('stream', 'Synced', 'False', 'NotPermitted');

    await allowed.create(allowed.task('stream', { taskid }));
    const t = await allowed.waitForCondition('stream', 'Ready', 'True');
    expect(t?.status?.owner).toBeUndefined();
    expect((await callsFor(taskid)).map((c) => `${c.endpoint} ${body(c).rtmpurl ?? ''}`)).toEqual([
      'startrtmp rtmp://push.example.com/live/stream?auth_key=secret-stream',
    ]);
    // The squatter stays refused for what it is (not permitted), not for a conflict.
    expect(condition(await denied.get('stream'), 'Synced')?.reason).toBe('NotPermitted');
  });

  it("credentialsSecretRef names a Secret of the task's own namespace only", async () => {
    const a = await teams.team('creds-a');
    const b = await teams.team('creds-b', { permitted: false });
    const { restfulId, restfulSecret } = teams.op.account;
    await teams.op.core.createNamespacedSecret({ namespace: a.namespace, body: { metadata: { name: 'creds' }, stringData: { restfulId, restfulSecret } } });
    const taskid = unique('borrow');

    // A namespace field is not part of the reference: the API server drops it.
    await b.create(b.task('borrow', { taskid, credentialsSecretRef: { name: 'creds', namespace: a.namespace } }));
    const t = await b.waitForCondition('borrow', 'Synced', 'False', 'SecretNotFound');
    expect(t?.spec['credentialsSecretRef']).toEqual({ name: 'creds' });
    expect(condition(t, 'Synced')?.message).toContain(`Secret ${b.namespace}/creds not found`);
    expect(await callsFor(taskid)).toEqual([]);
    const theirs = await teams.op.core.readNamespacedSecret({ namespace: a.namespace, name: 'creds' });
    expect(theirs.metadata?.finalizers ?? []).not.toContain(SECRET_IN_USE_FINALIZER);

    // kubectl refuses the field outright (the schema has no such property).
    const manifest = JSON.stringify(b.task('borrow-kubectl', { taskid, credentialsSecretRef: { name: 'creds', namespace: a.namespace } }));
    const applied = await b.kubectl(['apply', '-f', '-'], manifest);
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toMatch(/unknown field|namespace/);
  });
});
