// Push-status callbacks end to end: the emulator calls the operator's real endpoint over HTTP and
// the states it reports show up on the resource (status.destinations, Streaming, Ready), in the
// vendor's version order, and `kubectl wait --for=condition=Ready` returns once 3000 arrives.
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { condition, OperatorFixture, type TaskObject } from '../harness/operator.js';

const ADDRESS = (name: string): string => `rtmp://push.example.com/live/${name}?auth_key=secret-${name}`;

function destination(t: TaskObject | undefined): NonNullable<NonNullable<TaskObject['status']>['destinations']>[number] | undefined {
  return t?.status?.destinations?.[0];
}

describe('callbacks: state transitions', () => {
  let op: OperatorFixture;
  beforeAll(async () => {
    op = await OperatorFixture.create({ prefix: 'cb-states' });
  });
  afterAll(async () => {
    await op.close();
  });

  it('walks 3000 → 3001 → 3002/1003 → 3000 through Streaming and Ready, with the auth key redacted', async () => {
    const url = ADDRESS('walk');
    await op.create(op.task('walk', { taskid: 'cb-walk', rtmpurls: [url] }));

    const pushing = await op.waitForCondition('walk', 'Ready', 'True');
    expect(condition(pushing, 'Streaming')).toMatchObject({ status: 'True', reason: 'Pushing' });
    expect(destination(pushing)).toMatchObject({ state: 'Pushing', code: 3000, errcode: 0 });
    expect(destination(pushing)?.url).toBe('rtmp://push.example.com/live/walk?auth_key=REDACTED');

    await op.emulator.control.setDestination({ url, status: 3001 });
    const noSource = await op.waitForCondition('walk', 'Streaming', 'False', 'SourceUnavailable');
    expect(condition(noSource, 'Ready')).toMatchObject({ status: 'False', reason: 'SourceUnavailable' });
    expect(destination(noSource)).toMatchObject({ state: 'SourceUnavailable', code: 3001 });

    await op.emulator.control.setDestination({ url, status: 3002, errcode: 1003, description: 'rtmp push rejected' });
    const interrupted = await op.waitForCondition('walk', 'Streaming', 'False', 'Interrupted');
    const streaming = condition(interrupted, 'Streaming');
    expect(streaming?.message).toMatch(/errcode 1003/);
    expect(streaming?.message).toMatch(/refresh the auth key/);
    expect(condition(interrupted, 'Ready')).toMatchObject({ status: 'False', reason: 'Interrupted' });
    expect(destination(interrupted)).toMatchObject({ state: 'Interrupted', code: 3002, errcode: 1003, description: 'rtmp push rejected' });
    // The spec holds the address as the user wrote it; nothing the operator writes may repeat it.
    expect(JSON.stringify(interrupted?.status)).not.toContain('secret-walk');
    const events = await op.events('walk');
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toContain('secret-walk');

    await op.emulator.control.setDestination({ url, status: 3000 });
    const recovered = await op.waitForCondition('walk', 'Ready', 'True');
    expect(condition(recovered, 'Streaming')).toMatchObject({ status: 'True', reason: 'Pushing' });
    expect(destination(recovered)).toMatchObject({ state: 'Pushing', code: 3000, errcode: 0 });
  });

  it('is False while any one address is not pushing, naming that address', async () => {
    const good = ADDRESS('two-a');
    const bad = ADDRESS('two-b');
    await op.create(op.task('two', { taskid: 'cb-two', rtmpurls: [good, bad] }));
    await op.waitForCondition('two', 'Ready', 'True');

    await op.emulator.control.setDestination({ url: bad, status: 3001 });
    const t = await op.waitForCondition('two', 'Streaming', 'False', 'SourceUnavailable');
    expect(condition(t, 'Streaming')?.message).toContain('1 of 2 addresses not pushing; rtmp://push.example.com/live/two-b?auth_key=REDACTED');
    expect(t?.status?.destinations?.map((d) => d.state)).toEqual(['Pushing', 'SourceUnavailable']);
  });

  it('ignores a callback whose version is lower than the last applied one', async () => {
    const url = ADDRESS('order');
    await op.create(op.task('order', { taskid: 'cb-order', rtmpurls: [url] }));
    const ready = await op.waitForCondition('order', 'Ready', 'True');
    const applied = BigInt(destination(ready)?.version ?? '0');
    expect(applied).toBeGreaterThan(0n);
    const callback = { appid: op.appid, roomid: '123', taskid: 'cb-order', url, status: 3002, errcode: 1001 };

    const watch = await op.watchTask('order');
    try {
      const late = await op.emulator.control.sendCallback({ ...callback, version: applied - 1n });
      expect(late).toMatchObject({ delivered: true, httpStatus: 200 });
      await delay(1_500);
      expect(watch.failure()).toBeUndefined();
      expect(watch.changes).toEqual([]);

      // Control: the same report with a newer version is applied, so the one above could have been.
      await op.emulator.control.sendCallback({ ...callback, version: applied + 1n });
      const t = await op.waitForCondition('order', 'Streaming', 'False', 'Interrupted');
      expect(destination(t)?.version).toBe((applied + 1n).toString());
      await watch.waitForVersion(t?.metadata.resourceVersion ?? '');
    } finally {
      watch.stop();
    }
  });

  it('ignores a lower version after an operator restart too (the object, not memory, decides)', async () => {
    const url = ADDRESS('restart-order');
    await op.create(op.task('restart-order', { taskid: 'cb-restart-order', rtmpurls: [url] }));
    const ready = await op.waitForCondition('restart-order', 'Ready', 'True');
    const applied = BigInt(destination(ready)?.version ?? '0');

    await op.stop();
    op.start();
    const callback = { appid: op.appid, roomid: '123', taskid: 'cb-restart-order', url, status: 3001 };
    const watch = await op.watchTask('restart-order');
    try {
      // Delivered once the new instance's cache has synced (503 + vendor retry before that).
      const late = await op.emulator.control.sendCallback({ ...callback, version: applied - 1n });
      expect(late).toMatchObject({ delivered: true, httpStatus: 200 });
      await delay(1_500);
      expect(watch.failure()).toBeUndefined();
      expect(watch.changes.map((c) => destination(c)?.state).filter((s) => s !== 'Pushing')).toEqual([]);
      expect(destination(await op.get('restart-order'))?.version).toBe(applied.toString());

      await op.emulator.control.sendCallback({ ...callback, version: applied + 1n });
      const t = await op.waitForCondition('restart-order', 'Streaming', 'False', 'SourceUnavailable');
      await watch.waitForVersion(t?.metadata.resourceVersion ?? '');
    } finally {
      watch.stop();
    }
  });

  it.each([
    { reason: 'without its query string', reported: 'rtmp://push.example.com/live/bare' },
    { reason: 'with a refreshed auth key and an added parameter', reported: 'rtmp://push.example.com/live/bare?auth_key=rotated&vhost=cdn' },
  ])('a report naming the address $reason still lands on that address', async ({ reported }) => {
    const name = `bare-${reported.length}`;
    const url = `rtmp://push.example.com/live/bare?auth_key=secret-${name}`;
    await op.create(op.task(name, { taskid: `cb-${name}`, rtmpurls: [url] }));
    await op.waitForCondition(name, 'Ready', 'True');

    const r = await op.emulator.control.sendCallback({ appid: op.appid, roomid: '123', taskid: `cb-${name}`, url: reported, status: 3002, errcode: 1003 });
    expect(r.httpStatus).toBe(200);
    const t = await op.waitForCondition(name, 'Streaming', 'False', 'Interrupted', 5_000);
    expect(t?.status?.destinations).toHaveLength(1);
    expect(destination(t)).toMatchObject({ url: 'rtmp://push.example.com/live/bare?auth_key=REDACTED', state: 'Interrupted', errcode: 1003 });
  });

  it('a vendor description that quotes the address does not carry its auth key into status', async () => {
    const url = ADDRESS('quoted');
    await op.create(op.task('quoted', { taskid: 'cb-quoted', rtmpurls: [url] }));
    await op.waitForCondition('quoted', 'Ready', 'True');
    const description = `RTMP push to ${url} rejected by the CDN`;
    await op.emulator.control.sendCallback({ appid: op.appid, roomid: '123', taskid: 'cb-quoted', url, status: 3002, errcode: 1003, description });
    const t = await op.waitForCondition('quoted', 'Streaming', 'False', 'Interrupted');
    expect(destination(t)?.description).toBe('RTMP push to rtmp://push.example.com/live/quoted?auth_key=REDACTED rejected by the CDN');
    expect(JSON.stringify(t?.status)).not.toContain('secret-quoted');
  });

  it('a uint64 version above 2^53 is kept exactly', async () => {
    const url = ADDRESS('big');
    await op.create(op.task('big', { taskid: 'cb-big', rtmpurls: [url] }));
    await op.waitForCondition('big', 'Ready', 'True');
    const version = 2n ** 64n - 2n;
    await op.emulator.control.sendCallback({ appid: op.appid, roomid: '123', taskid: 'cb-big', url, status: 3001, version });
    const t = await op.waitForCondition('big', 'Streaming', 'False', 'SourceUnavailable');
    expect(destination(t)?.version).toBe(version.toString());
  });

  it('kubectl wait --for=condition=Ready returns once the emulator reports 3000', async () => {
    const url = ADDRESS('waited');
    // No 3000 until the test says so: the address reports 3001 from the start.
    await op.emulator.control.setDestination({ url, status: 3001 });
    await op.create(op.task('waited', { taskid: 'cb-waited', rtmpurls: [url] }));
    await op.waitForCondition('waited', 'Streaming', 'False', 'SourceUnavailable');

    const started = Date.now();
    const wait = op.kubectl(['wait', '--for=condition=Ready', 'rpt/waited', '--timeout=60s']);
    await delay(1_000);
    expect(await op.get('waited').then((t) => condition(t, 'Ready')?.status)).toBe('False');
    await op.emulator.control.setDestination({ url, status: 3000 });
    const result = await wait;
    expect(result.stderr).not.toMatch(/timed out/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('condition met');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });
});
