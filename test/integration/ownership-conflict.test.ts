// One owner per vendor identity, across namespaces, on the real control plane with an operator
// watching every namespace (issue "one owner per vendor task, tenants kept apart"). The vendor
// keys a mixed push by appid + room + taskid and a source push by appid + room + uid, and a
// startrtmp for a running key replaces it; so a second task naming a key that another task holds
// must make no vendor call, say who owns it, and let go of nothing when deleted.
// "No vendor call" is read from the emulator's call log and from the claimant's own decisions
// (every one of them an Idle or a finalizer write), not from a pause.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/emulator/control-api.js';
import { condition, type TaskClient, type TaskObject } from '../harness/task-client.js';
import { clusterWideOperator, unique, type Teams } from '../harness/teams.js';

type Body = { taskid?: string; uid?: string; roomid?: string; rtmpurl?: string };
const body = (c: CallRecord): Body => (c.body ?? {});

describe('ownership of a vendor identity across namespaces', () => {
  let teams: Teams;
  let a: TaskClient;
  let b: TaskClient;
  beforeAll(async () => {
    teams = await clusterWideOperator('own-conflict');
    a = await teams.team('team-a');
    b = await teams.team('team-b');
  });
  afterAll(async () => {
    await teams.close();
  });

  const callsFor = async (match: (b: Body) => boolean): Promise<CallRecord[]> => (await teams.op.vendorCalls()).filter((c) => match(body(c)));
  /** The claimant's decisions: none of them may be a vendor call. */
  const decisionKinds = (client: TaskClient, name: string): string[] => teams.op.decisions(name, client.namespace).map((d) => d.kind);

  async function expectRefused(client: TaskClient, name: string, owner: string): Promise<TaskObject | undefined> {
    const t = await client.waitForCondition(name, 'Synced', 'False', 'IdentityConflict');
    expect(condition(t, 'Synced')?.message).toContain(`belongs to RtmpPushTask ${owner}`);
    expect(condition(t, 'Stalled')).toMatchObject({ status: 'True', reason: 'IdentityConflict' });
    expect(condition(t, 'Ready')).toMatchObject({ status: 'False', reason: 'IdentityConflict' });
    expect(t?.status?.owner).toBe(owner);
    expect(t?.status?.active).toBeUndefined();
    const events = await client.waitForEvent(name, 'IdentityConflict');
    expect(events[0]).toMatchObject({ type: 'Warning' });
    expect(events[0]?.message).toContain(owner);
    return t;
  }

  it('a taskid owned in team-a: team-b’s claimant is refused naming the owner, the vendor keeps pushing team-a’s address, deleting the claimant stops nothing', async () => {
    const taskid = unique('shared');
    const aUrl = 'rtmp://push.example.com/live/team-a?auth_key=secret-a';
    const bUrl = 'rtmp://push.example.com/live/team-b?auth_key=secret-b';
    await a.create(a.task('stream', { taskid, rtmpurls: [aUrl] }));
    await a.waitForCondition('stream', 'Ready', 'True');

    await b.create(b.task('stream', { taskid, rtmpurls: [bUrl] }));
    await expectRefused(b, 'stream', `${a.namespace}/stream`);
    expect(decisionKinds(b, 'stream').every((k) => k === 'Idle' || k === 'AddFinalizer')).toBe(true);

    // One start, with team-a's address; the vendor task pushes only that address.
    const starts = await callsFor((x) => x.taskid === taskid);
    expect(starts.map((c) => `${c.endpoint} ${body(c).rtmpurl ?? ''}`)).toEqual([`startrtmp ${aUrl}`]);
    const vendorTask = (await teams.op.emulator.control.tasks()).filter((t) => t.taskid === taskid);
    expect(vendorTask.map((t) => t.addresses.map((x) => x.url))).toEqual([[aUrl]]);
    // A periodic callback for the shared taskid reaches both tasks; team-a stays Ready, team-b refused.
    await teams.op.emulator.control.tick();
    const afterTick = await a.get('stream');
    expect(condition(afterTick, 'Ready')?.status, JSON.stringify(afterTick?.status)).toBe('True');

    // Deleting the refused claimant calls nothing and returns (kubectl waits for the finalizer).
    const del = await b.kubectl(['delete', 'rpt', 'stream', '--timeout=30s']);
    expect(del.code, del.stderr).toBe(0);
    expect(await b.get('stream')).toBeUndefined();
    expect(decisionKinds(b, 'stream')).not.toContain('Stop');
    expect((await callsFor((x) => x.taskid === taskid)).map((c) => c.endpoint)).toEqual(['startrtmp']);
    expect((await teams.op.emulator.control.tasks()).filter((t) => t.taskid === taskid).map((t) => t.addresses.map((x) => x.url))).toEqual([[aUrl]]);
    const owner = await a.get('stream');
    expect(condition(owner, 'Synced')).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(condition(owner, 'Ready')?.status, JSON.stringify(owner?.status)).toBe('True');
  });

  it('a verbatim copy of the owner (same taskid, same address) shows nothing of the owner’s push', async () => {
    const taskid = unique('copied');
    const url = 'rtmp://push.example.com/live/copied';
    await a.create(a.task('copy', { taskid, rtmpurls: [url] }));
    await a.waitForCondition('copy', 'Ready', 'True');
    await b.create(b.task('copy', { taskid, rtmpurls: [url] }));
    await expectRefused(b, 'copy', `${a.namespace}/copy`);

    // The vendor's reports name the taskid and the address both tasks declare: the owner's state.
    await teams.op.emulator.control.setDestination({ url, status: 3002, errcode: 1003 });
    await a.waitForCondition('copy', 'Streaming', 'False', 'Interrupted');
    await teams.op.emulator.control.setDestination({ url, status: 3000 });
    await a.waitForCondition('copy', 'Streaming', 'True');
    const claimant = await b.get('copy');
    expect(claimant?.status?.destinations ?? []).toEqual([]);
    expect(condition(claimant, 'Streaming')).toMatchObject({ status: 'False', reason: 'NotPushing' });
  });

  it('the same for a source push: appid + room + uid owned in team-a', async () => {
    const roomid = unique('room');
    const source = (client: TaskClient, url: string): TaskObject => {
      const t = client.task('source', { streamtype: 2, roomid, uid: '111', rtmpurls: [url] });
      delete t.spec['mixconfig'];
      return t;
    };
    const aUrl = 'rtmp://push.example.com/live/a-111';
    const bUrl = 'rtmp://push.example.com/live/b-111';
    await a.create(source(a, aUrl));
    await a.waitForCondition('source', 'Ready', 'True');
    await b.create(source(b, bUrl));
    await expectRefused(b, 'source', `${a.namespace}/source`);
    expect(decisionKinds(b, 'source').every((k) => k === 'Idle' || k === 'AddFinalizer')).toBe(true);

    const inRoom = (x: Body): boolean => x.roomid === roomid;
    expect((await callsFor(inRoom)).map((c) => `${c.endpoint} ${body(c).rtmpurl ?? ''}`)).toEqual([`startrtmp ${aUrl}`]);
    const del = await b.kubectl(['delete', 'rpt', 'source', '--timeout=30s']);
    expect(del.code, del.stderr).toBe(0);
    expect((await callsFor(inRoom)).map((c) => c.endpoint)).toEqual(['startrtmp']);
    const vendorTasks = (await teams.op.emulator.control.tasks()).filter((t) => t.roomid === roomid);
    expect(vendorTasks.map((t) => ({ uid: t.uid, urls: t.addresses.map((x) => x.url) }))).toEqual([{ uid: '111', urls: [aUrl] }]);
    expect(condition(await a.get('source'), 'Ready')?.status).toBe('True');
  });

  it('a task moving onto an owned taskid is refused and its old push is stopped', async () => {
    const owned = unique('owned');
    const own = unique('own');
    await a.create(a.task('owner', { taskid: owned }));
    await a.waitForCondition('owner', 'Ready', 'True');
    await b.create(b.task('mover', { taskid: own }));
    await b.waitForCondition('mover', 'Ready', 'True');

    await b.patchSpec('mover', { taskid: owned });
    const moved = await expectRefused(b, 'mover', `${a.namespace}/owner`);
    expect(moved?.metadata.generation).toBe(2);

    // Its old taskid stopped (it is not what the spec declares any more), the owned one untouched.
    const calls = await callsFor((x) => x.taskid === own || x.taskid === owned);
    expect(calls.map((c) => `${c.endpoint} ${body(c).taskid ?? ''} ${c.code ?? ''}`)).toEqual([`startrtmp ${owned} 0`, `startrtmp ${own} 0`, `stoprtmp ${own} 0`]);
    const vendorTasks = (await teams.op.emulator.control.tasks()).filter((t) => t.taskid === own || t.taskid === owned);
    expect(vendorTasks.map((t) => [t.taskid, t.addresses.map((x) => x.url)])).toEqual([[owned, [`rtmp://push.example.com/live/owner?auth_key=secret-owner`]]]);
    expect((await b.events('mover')).map((e) => e.reason)).toEqual(expect.arrayContaining(['Started', 'Stopped', 'IdentityConflict']));
  });
});
