// The operator's main path end to end on the real control plane and the emulator: create →
// Ready with one startrtmp, a spec update → one more startrtmp on the same taskid, delete → one
// stoprtmp and the object gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { condition, OperatorFixture } from '../harness/operator.js';

describe('operator smoke', () => {
  let op: OperatorFixture;
  beforeAll(async () => {
    op = await OperatorFixture.create({ prefix: 'smoke' });
  });
  afterAll(async () => {
    await op.close();
  });

  it('creates, updates in place, and deletes with exactly one vendor call each', async () => {
    await op.create(op.task('t1', { taskid: 'smoke-1' }));
    const ready = await op.waitForCondition('t1', 'Ready', 'True');
    expect(ready?.metadata.finalizers).toContain('rtmp.jocloud.com/stop-push');
    expect(ready?.status?.taskid).toBe('smoke-1');
    expect(await op.vendorCalls('startrtmp')).toHaveLength(1);

    await op.patchSpec('t1', { rtmpurls: ['rtmp://push.example.com/live/other'] });
    await op.waitFor('t1', (t) => t?.status?.observedGeneration === 2 && condition(t, 'Synced')?.status === 'True', 20_000, 'generation 2 synced');
    const starts = await op.vendorCalls('startrtmp');
    expect(starts).toHaveLength(2);
    expect((starts[1]?.body as { taskid?: string }).taskid).toBe('smoke-1');

    await op.delete('t1');
    await op.waitFor('t1', (t) => t === undefined, 20_000, 'deletion');
    expect(await op.vendorCalls('stoprtmp')).toHaveLength(1);
  });
});
