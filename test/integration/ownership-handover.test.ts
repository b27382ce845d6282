// Who gets a contested vendor identity, and when it changes hands, on the real control plane with
// an operator watching every namespace: two tasks created at the same moment (the older
// creationTimestamp, then the smaller uid, wins — decided from the watch cache, so an operator
// restart gives the same answer), and the owner's deletion (the waiting claimant takes over by
// itself and starts once).
import { afterEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/emulator/control-api.js';
import { condition, type TaskClient, type TaskObject } from '../harness/task-client.js';
import { clusterWideOperator, unique, type Teams } from '../harness/teams.js';
import { until } from '../support/eventually.js';

type Body = { taskid?: string; rtmpurl?: string };
const body = (c: CallRecord): Body => (c.body ?? {});

/** The rule of ownership.ts: oldest creationTimestamp, then uid. */
function older(x: TaskObject, y: TaskObject): boolean {
  const [cx, cy] = [x.metadata.creationTimestamp ?? '', y.metadata.creationTimestamp ?? ''];
  return cx !== cy ? cx < cy : (x.metadata.uid ?? '') < (y.metadata.uid ?? '');
}

describe('handing a vendor identity over', () => {
  let teams: Teams | undefined;
  afterEach(async () => {
    await teams?.close();
    teams = undefined;
  });

  it('two claimants created at the same moment: the older (creationTimestamp, uid) wins, and still wins after an operator restart', async () => {
    const t = (teams = await clusterWideOperator('own-tie', { deferStart: true }));
    const [x, y] = await Promise.all([t.team('tie-x'), t.team('tie-y')]);
    const taskid = unique('tie');
    // Each names a credentials Secret of its namespace that does not exist yet: the winner can hold
    // nothing, so across the restart the answer rests on the claimants rule alone.
    const manifest = (c: TaskClient): TaskObject => c.task('claim', { taskid, credentialsSecretRef: { name: 'creds' }, rtmpurls: [`rtmp://push.example.com/live/${c.namespace}`] });
    const [cx, cy] = await Promise.all([x.create(manifest(x)), y.create(manifest(y))]);
    const [winner, loser] = older(cx, cy) ? [x, y] : [y, x];
    const owner = `${winner.namespace}/claim`;

    t.op.start();
    const refused = await loser.waitForCondition('claim', 'Synced', 'False', 'IdentityConflict');
    expect(refused?.status?.owner).toBe(owner);
    await winner.waitForCondition('claim', 'Synced', 'False', 'SecretNotFound');
    expect((await winner.get('claim'))?.status?.owner).toBeUndefined();
    // Filtered: the operator watches every namespace, and earlier test files left tasks behind.
    const ours = async (): Promise<CallRecord[]> => (await t.op.vendorCalls()).filter((c) => body(c).taskid === taskid);
    expect(await ours()).toEqual([]);

    // Restart: a fresh cache and queue, nothing remembered of who came first.
    expect(await t.op.stop()).toBe(0);
    const marks = [winner, loser].map((c) => t.op.decisions('claim', c.namespace).length);
    t.op.start();
    await until(() => [winner, loser].every((c, i) => t.op.decisions('claim', c.namespace).length > (marks[i] ?? 0)), 'both reconciled after the restart');
    const again = await loser.get('claim');
    // Same verdict, not even rewritten.
    expect(again?.metadata.resourceVersion).toBe(refused?.metadata.resourceVersion);
    expect(condition(await winner.get('claim'), 'Synced')?.reason).toBe('SecretNotFound');

    // The winner's credentials arrive: it starts; the loser still waits, without a call.
    await t.op.core.createNamespacedSecret({ namespace: winner.namespace, body: { metadata: { name: 'creds' }, stringData: { restfulId: t.op.account.restfulId, restfulSecret: t.op.account.restfulSecret } } });
    await winner.waitForCondition('claim', 'Ready', 'True');
    expect((await ours()).map((c) => `${c.endpoint} ${body(c).rtmpurl ?? ''}`)).toEqual([`startrtmp rtmp://push.example.com/live/${winner.namespace}`]);
    expect(condition(await loser.get('claim'), 'Synced')).toMatchObject({ status: 'False', reason: 'IdentityConflict' });
    expect(t.op.decisions('claim', loser.namespace).map((d) => d.kind)).not.toContain('Start');
  });

  it('an older task resumed from suspend waits: the running holder keeps its identity, also after a restart', async () => {
    const t = (teams = await clusterWideOperator('own-resume'));
    const [a, b] = await Promise.all([t.team('resume-a'), t.team('resume-b')]);
    const taskid = unique('resume');
    const older = await a.create(a.task('stream', { taskid, suspend: true }));
    await a.waitForCondition('stream', 'Synced', 'True', 'Suspended');
    // Strictly older: creationTimestamp has whole seconds, and within one second the uids decide.
    await until(() => Date.now() >= Date.parse(older.metadata.creationTimestamp ?? '') + 1_000, 'the next second');
    // Suspended, it claims nothing: the newer task in team-b starts.
    await b.create(b.task('stream', { taskid }));
    await b.waitForCondition('stream', 'Ready', 'True');

    await a.patchSpec('stream', { suspend: false });
    const waiting = await a.waitForCondition('stream', 'Synced', 'False', 'IdentityConflict');
    expect(waiting?.status?.owner).toBe(`${b.namespace}/stream`);

    // Both looked at afresh: the holder is still the owner, and its status is not even rewritten.
    const before = await b.get('stream');
    expect(await t.op.stop()).toBe(0);
    const marks = [a, b].map((c) => t.op.decisions('stream', c.namespace).length);
    t.op.start();
    await until(() => [a, b].every((c, i) => t.op.decisions('stream', c.namespace).length > (marks[i] ?? 0)), 'both reconciled after the restart');
    expect(await t.op.stop()).toBe(0);
    const holder = await b.get('stream');
    expect(holder?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(condition(holder, 'Synced')).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(condition(await a.get('stream'), 'Synced')).toMatchObject({ status: 'False', reason: 'IdentityConflict' });
    expect((await t.op.vendorCalls()).filter((c) => body(c).taskid === taskid).map((c) => `${c.endpoint} ${body(c).rtmpurl ?? ''}`)).toEqual([
      `startrtmp rtmp://push.example.com/live/stream?auth_key=secret-stream`,
    ]);
    expect((await t.op.emulator.control.tasks()).filter((v) => v.taskid === taskid)).toHaveLength(1);
  });

  it('the owner is deleted: the claimant takes over by itself and starts once', async () => {
    const t = (teams = await clusterWideOperator('own-handover'));
    const [a, b] = await Promise.all([t.team('hand-a'), t.team('hand-b')]);
    const taskid = unique('handover');
    const aUrl = 'rtmp://push.example.com/live/hand-a';
    const bUrl = 'rtmp://push.example.com/live/hand-b';
    await a.create(a.task('stream', { taskid, rtmpurls: [aUrl] }));
    await a.waitForCondition('stream', 'Ready', 'True');
    await b.create(b.task('stream', { taskid, rtmpurls: [bUrl] }));
    await b.waitForCondition('stream', 'Synced', 'False', 'IdentityConflict');

    const del = await a.kubectl(['delete', 'rpt', 'stream', '--timeout=30s']);
    expect(del.code, del.stderr).toBe(0);
    const took = await b.waitForCondition('stream', 'Ready', 'True');
    expect(took?.status?.owner).toBeUndefined();
    expect(took?.status?.active).toMatchObject({ taskid });
    expect(condition(took, 'Stalled')).toBeUndefined();

    const calls = (await t.op.vendorCalls()).filter((c) => body(c).taskid === taskid);
    expect(calls.map((c) => `${c.endpoint} ${body(c).rtmpurl ?? ''}`)).toEqual([`startrtmp ${aUrl}`, 'stoprtmp ', `startrtmp ${bUrl}`]);
    const vendorTasks = (await t.op.emulator.control.tasks()).filter((v) => v.taskid === taskid);
    expect(vendorTasks.map((v) => v.addresses.map((u) => u.url))).toEqual([[bUrl]]);
    expect(t.op.decisions('stream', b.namespace).filter((d) => d.kind === 'Start')).toHaveLength(1);
    expect((await b.waitForEvent('stream', 'Started')).map((e) => e.count)).toEqual([1]);
  });
});
