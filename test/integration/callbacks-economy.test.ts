// Write economy: the vendor repeats 3000-3002 for every address, and each repeat must not cost a
// Kubernetes write. A burst of hundreds of identical heartbeats is counted as resourceVersion
// changes of the object (a watch sees every write); a state change in the middle of it is still
// written at once, and one state change costs one write, not a round of writers answering each other.
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { condition, OperatorFixture, type TaskObject } from '../harness/operator.js';

const BURST = 300;
/** What the emulator reports for a healthy address (a differing description is a change worth writing). */
const NORMAL = 'Normal stream pushing';
const NO_SOURCE = 'no anchor publishing';

describe('callbacks: write economy', () => {
  let op: OperatorFixture;
  beforeAll(async () => {
    op = await OperatorFixture.create({ prefix: 'cb-economy' });
  });
  afterAll(async () => {
    await op.close();
  });

  async function readyTask(name: string, urls: string[]): Promise<TaskObject | undefined> {
    await op.create(op.task(name, { taskid: `cb-${name}`, rtmpurls: urls }));
    const ready = await op.waitForCondition(name, 'Ready', 'True');
    // Let the reconciler's own follow-up of the first callback write settle before counting.
    await delay(500);
    return ready;
  }

  /** `count` repeats of one report, as the vendor's periodic callbacks (each with a newer version). */
  async function heartbeats(name: string, url: string, status: number, description: string, count: number, concurrency = 16): Promise<void> {
    let sent = 0;
    const worker = async (): Promise<void> => {
      while (sent < count) {
        sent++;
        const r = await op.emulator.control.sendCallback({ appid: op.appid, roomid: '123', taskid: `cb-${name}`, url, status, errcode: 0, description });
        expect(r.httpStatus).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  it(`a burst of ${BURST} identical 3000 heartbeats costs no write within the refresh interval`, async () => {
    const url = 'rtmp://push.example.com/live/steady?auth_key=secret-steady';
    await readyTask('steady', [url]);
    const watch = await op.watchTask('steady');
    try {
      await heartbeats('steady', url, 3000, NORMAL, BURST);
      await delay(1_500);
      // Refresh interval 60 s: nothing changed, so nothing is written at all.
      expect(watch.failure()).toBeUndefined();
      expect(watch.resourceVersions()).toEqual([]);
    } finally {
      watch.stop();
    }
  });

  it('a state change inside a burst is written promptly, once', async () => {
    const url = 'rtmp://push.example.com/live/change?auth_key=secret-change';
    await readyTask('change', [url]);
    const watch = await op.watchTask('change');
    try {
      await heartbeats('change', url, 3000, NORMAL, BURST / 2);
      const sentAt = Date.now();
      await op.emulator.control.setDestination({ url, status: 3001, description: NO_SOURCE });
      const changed = await op.waitForCondition('change', 'Streaming', 'False', 'SourceUnavailable', 5_000);
      expect(Date.now() - sentAt).toBeLessThan(2_000);
      await heartbeats('change', url, 3001, NO_SOURCE, BURST / 2);
      await delay(1_500);
      await watch.waitForVersion(changed?.metadata.resourceVersion ?? '');
      expect(watch.failure()).toBeUndefined();
      // One write carries destinations, Streaming and Ready together; the reconciler that sees it
      // derives the same conditions and writes nothing back.
      expect(watch.resourceVersions()).toHaveLength(1);
      const written = watch.changes.at(-1);
      expect(written?.status?.destinations?.[0]?.state).toBe('SourceUnavailable');
      expect(condition(written, 'Ready')?.reason).toBe('SourceUnavailable');
    } finally {
      watch.stop();
    }
  });
});

describe('callbacks: write economy with a short refresh interval', () => {
  let op: OperatorFixture;
  beforeAll(async () => {
    op = await OperatorFixture.create({ prefix: 'cb-economy-refresh', callbacks: { refreshMs: 1_000, staleMs: 30_000 } });
  });
  afterAll(async () => {
    await op.close();
  });

  it('refreshes lastCallbackTime at most once per interval under steady heartbeats', async () => {
    const url = 'rtmp://push.example.com/live/refresh';
    await op.create(op.task('refresh', { taskid: 'cb-refresh', rtmpurls: [url] }));
    await op.waitForCondition('refresh', 'Ready', 'True');
    await delay(500);
    const watch = await op.watchTask('refresh');
    const started = Date.now();
    let sent = 0;
    try {
      // ~4 s of heartbeats, 25 per 100 ms.
      while (Date.now() - started < 4_000) {
        await Promise.all(
          Array.from({ length: 25 }, () =>
            op.emulator.control.sendCallback({ appid: op.appid, roomid: '123', taskid: 'cb-refresh', url, status: 3000, description: NORMAL }),
          ),
        );
        sent += 25;
        await delay(100);
      }
      await delay(500);
      const elapsed = Date.now() - started;
      expect(watch.failure()).toBeUndefined();
      const writes = watch.resourceVersions().length;
      expect(sent).toBeGreaterThan(200);
      expect(writes).toBeGreaterThanOrEqual(2);
      expect(writes).toBeLessThanOrEqual(Math.ceil(elapsed / 1_000) + 1);
      // Each write only moved lastCallbackTime (and version) forward.
      for (const c of watch.changes) expect(c.status?.destinations?.[0]?.state).toBe('Pushing');
    } finally {
      watch.stop();
    }
  });
});
