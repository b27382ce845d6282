// Silence from the vendor: with a short staleness window (refresh 1 s, stale after 3 s) and no
// periodic callbacks, a started task's Streaming turns Unknown (CallbacksStale) and Ready follows;
// the next heartbeat brings both back to True.
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { condition, OperatorFixture } from '../harness/operator.js';

const STALE_MS = 3_000;

describe('callbacks: staleness', () => {
  let op: OperatorFixture;
  beforeAll(async () => {
    op = await OperatorFixture.create({ prefix: 'cb-stale', callbacks: { refreshMs: 1_000, staleMs: STALE_MS } });
  });
  afterAll(async () => {
    await op.close();
  });

  it('turns Streaming and Ready Unknown when callbacks stop, and True again on the next one', async () => {
    const url = 'rtmp://push.example.com/live/quiet?auth_key=secret-quiet';
    await op.create(op.task('quiet', { taskid: 'cb-quiet', rtmpurls: [url] }));
    const ready = await op.waitForCondition('quiet', 'Ready', 'True');
    const last = Date.parse(ready?.status?.destinations?.[0]?.lastCallbackTime ?? '');

    const stale = await op.waitForCondition('quiet', 'Streaming', 'Unknown', 'CallbacksStale', 15_000);
    const streaming = condition(stale, 'Streaming');
    expect(streaming?.message).toContain('no push-status callback for 3s');
    expect(streaming?.message).not.toContain('secret-quiet');
    expect(Date.parse(streaming?.lastTransitionTime ?? '')).toBeGreaterThanOrEqual(Math.floor(last / 1000) * 1000 + STALE_MS);
    expect(condition(stale, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'CallbacksStale' });
    // Still synced: the vendor accepted the request; only its reports are missing.
    expect(condition(stale, 'Synced')?.status).toBe('True');

    await op.emulator.control.tick();
    const back = await op.waitForCondition('quiet', 'Ready', 'True');
    expect(condition(back, 'Streaming')).toMatchObject({ status: 'True', reason: 'Pushing' });
  });

  it('turns Unknown as well when the last report of a silent address said it was not pushing', async () => {
    const url = 'rtmp://push.example.com/live/quiet-broken';
    await op.create(op.task('quiet-broken', { taskid: 'cb-quiet-broken', rtmpurls: [url] }));
    await op.waitForCondition('quiet-broken', 'Ready', 'True');
    await op.emulator.control.setDestination({ url, status: 3001 });
    await op.waitForCondition('quiet-broken', 'Streaming', 'False', 'SourceUnavailable');

    // 3001 repeats like 3000 does: its silence means the operator can no longer tell.
    const stale = await op.waitForCondition('quiet-broken', 'Streaming', 'Unknown', 'CallbacksStale', 15_000);
    expect(condition(stale, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'CallbacksStale' });
    expect(stale?.status?.destinations?.[0]?.state).toBe('SourceUnavailable');

    await op.emulator.control.tick();
    await op.waitForCondition('quiet-broken', 'Streaming', 'False', 'SourceUnavailable');
  });

  it('stays True while heartbeats keep coming', async () => {
    await op.create(op.task('chatty', { taskid: 'cb-chatty', rtmpurls: ['rtmp://push.example.com/live/chatty'] }));
    await op.waitForCondition('chatty', 'Ready', 'True');
    const deadline = Date.now() + 2 * STALE_MS;
    while (Date.now() < deadline) {
      await op.emulator.control.tick();
      await delay(500);
      expect(condition(await op.get('chatty'), 'Streaming')?.status).toBe('True');
    }
  });
});
