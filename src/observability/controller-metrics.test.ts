import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../runtime/work-queue.js';
import { createMetrics } from './metrics.js';

function clock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

async function sample(m: ReturnType<typeof createMetrics>, series: string): Promise<number | undefined> {
  const text = await m.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('controller_runtime_* (controller "rtmppushtask")', () => {
  it('starts every result, the errors and the workers at zero, and the concurrency at its setting', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.controllerRuntime.controller('rtmppushtask', 4);
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) {
      expect(await sample(m, `controller_runtime_reconcile_total{controller="rtmppushtask",result="${result}"}`)).toBe(0);
    }
    expect(await sample(m, 'controller_runtime_reconcile_errors_total{controller="rtmppushtask"}')).toBe(0);
    expect(await sample(m, 'controller_runtime_max_concurrent_reconciles{controller="rtmppushtask"}')).toBe(4);
    expect(await sample(m, 'controller_runtime_active_workers{controller="rtmppushtask"}')).toBe(0);
  });

  it('counts each reconcile by result, errors separately, times it, and tracks active workers', async () => {
    const c = clock();
    const m = createMetrics({ defaultMetrics: false, now: c.now });
    const start = m.controllerRuntime.controller('rtmppushtask', 2);
    const first = start();
    const second = start();
    expect(await sample(m, 'controller_runtime_active_workers{controller="rtmppushtask"}')).toBe(2);
    c.advance(150);
    first('requeue_after');
    c.advance(1_850);
    second('error');
    start()('success');
    expect(await sample(m, 'controller_runtime_active_workers{controller="rtmppushtask"}')).toBe(0);
    expect(await sample(m, 'controller_runtime_reconcile_total{controller="rtmppushtask",result="requeue_after"}')).toBe(1);
    expect(await sample(m, 'controller_runtime_reconcile_total{controller="rtmppushtask",result="error"}')).toBe(1);
    expect(await sample(m, 'controller_runtime_reconcile_total{controller="rtmppushtask",result="success"}')).toBe(1);
    expect(await sample(m, 'controller_runtime_reconcile_errors_total{controller="rtmppushtask"}')).toBe(1);
    expect(await sample(m, 'controller_runtime_reconcile_time_seconds_count{controller="rtmppushtask"}')).toBe(3);
    expect(await sample(m, 'controller_runtime_reconcile_time_seconds_sum{controller="rtmppushtask"}')).toBeCloseTo(2.15);
    // controller-runtime's buckets: 0.15 holds the first, 2 the second as well.
    expect(await sample(m, 'controller_runtime_reconcile_time_seconds_bucket{le="0.15",controller="rtmppushtask"}')).toBe(2);
    expect(await sample(m, 'controller_runtime_reconcile_time_seconds_bucket{le="2",controller="rtmppushtask"}')).toBe(3);
    expect(await sample(m, 'controller_runtime_reconcile_time_seconds_bucket{le="60",controller="rtmppushtask"}')).toBe(3);
  });
});

describe('workqueue_* fed by a real WorkQueue', () => {
  const labels = 'name="rtmppushtask",controller="rtmppushtask"';

  it('counts adds that were not already waiting, depth, and every addAfter as a retry (client-go semantics)', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const queue = new WorkQueue({ hooks: m.controllerRuntime.workQueueHooks('rtmppushtask'), baseDelayMs: 60_000, jitter: 0 });
    expect(await sample(m, `workqueue_adds_total{${labels}}`)).toBe(0);
    expect(await sample(m, `workqueue_retries_total{${labels}}`)).toBe(0);
    queue.add('ns/a');
    queue.add('ns/a'); // merged into the waiting one
    queue.add('ns/b');
    queue.addAfter('ns/c', 60_000);
    queue.addRateLimited('ns/d');
    expect(await sample(m, `workqueue_adds_total{${labels}}`)).toBe(2);
    expect(await sample(m, `workqueue_depth{${labels}}`)).toBe(2);
    expect(await sample(m, `workqueue_retries_total{${labels}}`)).toBe(2);
    await queue.shutdown({ deadlineMs: 0 });
    expect(await sample(m, `workqueue_depth{${labels}}`)).toBe(0);
  });

  it('observes queue and work duration, and reports running work as unfinished until it ends', async () => {
    const c = clock();
    const m = createMetrics({ defaultMetrics: false, now: c.now });
    const queue = new WorkQueue({ hooks: m.controllerRuntime.workQueueHooks('rtmppushtask'), now: c.now });
    const release: Array<() => void> = [];
    const started: string[] = [];
    const running = queue.run(
      (key) =>
        new Promise<void>((resolve) => {
          started.push(key);
          release.push(resolve);
        }),
      { concurrency: 2 },
    );
    queue.add('ns/a');
    c.advance(500);
    queue.add('ns/b');
    await expect.poll(() => started.length).toBe(2);
    c.advance(2_000);
    expect(await sample(m, `workqueue_unfinished_work_seconds{${labels}}`)).toBe(4);
    expect(await sample(m, `workqueue_longest_running_processor_seconds{${labels}}`)).toBe(2);
    release.shift()?.();
    release.shift()?.();
    await queue.shutdown({ deadlineMs: 1_000 });
    await running;
    expect(await sample(m, `workqueue_unfinished_work_seconds{${labels}}`)).toBe(0);
    expect(await sample(m, `workqueue_longest_running_processor_seconds{${labels}}`)).toBe(0);
    expect(await sample(m, `workqueue_work_duration_seconds_count{${labels}}`)).toBe(2);
    expect(await sample(m, `workqueue_work_duration_seconds_sum{${labels}}`)).toBe(4);
    expect(await sample(m, `workqueue_queue_duration_seconds_count{${labels}}`)).toBe(2);
    expect(await sample(m, `workqueue_queue_duration_seconds_sum{${labels}}`)).toBe(0.5);
    // client-go's buckets run from 10 ns to 1000 s by powers of ten.
    expect(await sample(m, `workqueue_queue_duration_seconds_bucket{le="1e-8",${labels}}`)).toBe(1);
    expect(await sample(m, `workqueue_queue_duration_seconds_bucket{le="1",${labels}}`)).toBe(2);
    expect(await sample(m, `workqueue_queue_duration_seconds_bucket{le="1000",${labels}}`)).toBe(2);
  });

  it('keeps queues apart by name', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const tasks = new WorkQueue({ hooks: m.controllerRuntime.workQueueHooks('rtmppushtask') });
    new WorkQueue({ hooks: m.controllerRuntime.workQueueHooks('callback_status') }).add('ns/x');
    tasks.add('ns/a');
    tasks.add('ns/b');
    expect(await sample(m, `workqueue_adds_total{${labels}}`)).toBe(2);
    expect(await sample(m, 'workqueue_adds_total{name="callback_status",controller="callback_status"}')).toBe(1);
  });
});
