// A 3003 (terminated) callback for a task that should be running makes the operator start it again
// — exactly one more startrtmp, with a Restarted Event — while a 3003 that follows a stop the
// operator made itself (suspend, delete) is expected and restarts nothing.
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { condition, OperatorFixture } from '../harness/operator.js';
import { until } from '../support/eventually.js';

describe('callbacks: 3003 terminated', () => {
  let op: OperatorFixture;
  beforeAll(async () => {
    op = await OperatorFixture.create({ prefix: 'cb-restart' });
  });
  afterAll(async () => {
    await op.close();
  });

  async function startsFor(taskid: string): Promise<number> {
    return (await op.vendorCalls('startrtmp')).filter((c) => (c.body as { taskid?: string } | null)?.taskid === taskid).length;
  }

  it('starts a running task again after the vendor terminates it, once, with an Event', async () => {
    const url = 'rtmp://push.example.com/live/dropped?auth_key=secret-dropped';
    await op.create(op.task('dropped', { taskid: 'cb-dropped', rtmpurls: [url] }));
    await op.waitForCondition('dropped', 'Ready', 'True');
    expect(await startsFor('cb-dropped')).toBe(1);

    const terminated = await op.emulator.control.setDestination({ url, status: 3003, errcode: 2003, description: 'vendor failure' });
    expect(terminated.liveIn).toBe(1);

    await until(async () => (await startsFor('cb-dropped')) === 2, 'a second startrtmp');
    // After the restart the emulator reports 3000 again.
    const back = await op.waitForCondition('dropped', 'Ready', 'True');
    expect(back?.status?.destinations?.[0]).toMatchObject({ state: 'Pushing', code: 3000 });

    const restarted = await waitForEvent('dropped', 'Restarted');
    expect(restarted.type).toBe('Normal');
    expect(restarted.message).toMatch(/terminated \(3003\)/);
    expect(restarted.message).not.toContain('secret-dropped');

    // Settled: no further starts.
    await delay(2_000);
    expect(await startsFor('cb-dropped')).toBe(2);
    expect((await op.emulator.control.tasks()).filter((t) => t.taskid === 'cb-dropped')).toHaveLength(1);
  });

  it('restarts when one address of several is terminated, and only that address is pushed afresh', async () => {
    const kept = 'rtmp://push.example.com/live/kept?auth_key=secret-kept';
    const lost = 'rtmp://push.example.com/live/lost?auth_key=secret-lost';
    await op.create(op.task('partial', { taskid: 'cb-partial', rtmpurls: [kept, lost] }));
    await op.waitForCondition('partial', 'Ready', 'True');

    await op.emulator.control.setDestination({ url: lost, status: 3003 });
    const down = await op.waitForCondition('partial', 'Streaming', 'False', 'Terminated');
    expect(down?.status?.destinations?.map((d) => d.state)).toEqual(['Pushing', 'Terminated']);
    await until(async () => (await startsFor('cb-partial')) === 2, 'a second startrtmp');
    const back = await op.waitForCondition('partial', 'Ready', 'True');
    expect(back?.status?.destinations?.map((d) => d.state)).toEqual(['Pushing', 'Pushing']);
    await delay(1_000);
    expect(await startsFor('cb-partial')).toBe(2);
  });

  it('a user refreshing the auth key (the advice for errcode 1003) updates in place: the old key’s 3003 restarts nothing', async () => {
    const before = 'rtmp://push.example.com/live/rotate?auth_key=secret-old';
    const after = 'rtmp://push.example.com/live/rotate?auth_key=secret-new';
    await op.create(op.task('rotate', { taskid: 'cb-rotate', rtmpurls: [before] }));
    await op.waitForCondition('rotate', 'Ready', 'True');
    await op.emulator.control.setDestination({ url: before, status: 3002, errcode: 1003 });
    await op.waitForCondition('rotate', 'Streaming', 'False', 'Interrupted');

    await op.patchSpec('rotate', { rtmpurls: [after] });
    // The vendor stops the old address (3003) and pushes the new one (3000): same path, both redacted alike.
    await op.waitForCondition('rotate', 'Ready', 'True');
    await delay(7_000); // past the restart settle time
    expect(await startsFor('cb-rotate')).toBe(2);
    const t = await op.get('rotate');
    expect(condition(t, 'Ready')?.status).toBe('True');
    expect(t?.status?.destinations).toHaveLength(1);
    expect(t?.status?.destinations?.[0]).toMatchObject({ state: 'Pushing', url: 'rtmp://push.example.com/live/rotate?auth_key=REDACTED' });
    expect((await op.events('rotate')).map((e) => e.reason)).not.toContain('Restarted');
  });

  it('does not restart after a stop the operator made (suspend)', async () => {
    const url = 'rtmp://push.example.com/live/paused?auth_key=secret-paused';
    await op.create(op.task('paused', { taskid: 'cb-paused', rtmpurls: [url] }));
    await op.waitForCondition('paused', 'Ready', 'True');

    await op.patchSpec('paused', { suspend: true });
    const suspended = await op.waitForCondition('paused', 'Ready', 'True', 'Suspended');
    expect(suspended?.status?.active).toBeUndefined();
    expect(await op.vendorCalls('stoprtmp')).toHaveLength(1);
    // The emulator sends 3003 for the stopped address shortly after stoprtmp.
    await op.waitFor('paused', (t) => t?.status?.destinations?.[0]?.state === 'Terminated', 10_000, 'the 3003 recorded');

    await delay(2_000);
    expect(await startsFor('cb-paused')).toBe(1);
    const still = await op.get('paused');
    expect(condition(still, 'Ready')).toMatchObject({ status: 'True', reason: 'Suspended' });
    expect((await op.events('paused')).map((e) => e.reason)).not.toContain('Restarted');
  });

  it('does not restart a task being deleted when its 3003 arrives', async () => {
    const url = 'rtmp://push.example.com/live/gone?auth_key=secret-gone';
    await op.create(op.task('gone', { taskid: 'cb-gone', rtmpurls: [url] }));
    await op.waitForCondition('gone', 'Ready', 'True');

    await op.delete('gone');
    await op.waitFor('gone', (t) => t === undefined, 20_000, 'deletion');
    await delay(2_000);
    expect(await startsFor('cb-gone')).toBe(1);
    expect((await op.emulator.control.tasks()).filter((t) => t.taskid === 'cb-gone')).toEqual([]);
  });

  async function waitForEvent(name: string, reason: string): Promise<{ type?: string; message?: string }> {
    await until(async () => (await op.events(name)).some((e) => e.reason === reason), `a ${reason} Event for ${name}`);
    return (await op.events(name)).find((e) => e.reason === reason) ?? {};
  }

});
