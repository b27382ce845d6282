// What an operator process exposes to Prometheus and to the kubelet after real work: /metrics
// (parsed from the text exposition format) agrees with what the emulator saw — vendor calls by
// endpoint and code, their latency histogram, reconciles, the work queue, callbacks accepted and
// rejected, tasks by state, leadership — and /healthz and /readyz answer 200.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLBACK_TOKEN, OperatorFixture } from '../harness/operator.js';
import { freePort } from '../harness/process.js';
import {
  OperatorProcess,
  eventually,
  httpGet,
  killAllOperatorProcesses,
  printOperatorLogsOnFailure,
  listenFlags,
  sampleSum,
  samplesOf,
  scrape,
  type ListenPorts,
  type Sample,
} from '../harness/operator-process.js';

describe('metrics and health endpoints of an operator process', () => {
  printOperatorLogsOnFailure();
  let env: OperatorFixture;
  let op: OperatorProcess;
  let ports: ListenPorts;

  beforeAll(async () => {
    // Push-status callbacks go to this operator's callback port (the fixture's emulator targets it).
    env = await OperatorFixture.create({ prefix: 'platform-metrics', deferStart: true });
    ports = { callback: env.callbackPort, health: await freePort(), metrics: await freePort() };
    op = OperatorProcess.start({
      name: 'metrics',
      args: [
        ...env.processArgs(),
        '--log-level=info',
        ...listenFlags(ports),
      ],
      env: { RTMP_OPERATOR_CALLBACK_TOKEN: CALLBACK_TOKEN },
    });
  });

  afterAll(async () => {
    await killAllOperatorProcesses();
    await env.close();
  });

  it('answers /healthz and /readyz with 200 once the caches synced', async () => {
    await eventually('/readyz 200', async () => ((await httpGet(ports.health, '/readyz')).status === 200 ? true : undefined), 20_000);
    expect(await httpGet(ports.health, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
  });

  it('exposes reconciles, vendor calls, the work queue, callbacks, tasks and leadership with the values the run produced', async () => {
    // One retryable vendor failure (2104), then two tasks that become Ready, then one deletion.
    await env.emulator.control.addFault({ endpoint: 'startrtmp', code: 2104, count: 1 });
    await env.create(env.task('m-1', { taskid: 'm-1' }));
    await env.create(env.task('m-2', { taskid: 'm-2' }));
    await env.waitForCondition('m-1', 'Ready', 'True');
    await env.waitForCondition('m-2', 'Ready', 'True');
    await env.create(env.task('m-3', { taskid: 'm-3' }));
    await env.waitForCondition('m-3', 'Ready', 'True');
    await env.delete('m-3');
    await env.waitFor('m-3', (t) => t === undefined, 20_000, 'deletion');
    // A forged callback without the token.
    const forged = await fetch(`http://127.0.0.1:${ports.callback}/jocloud/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(forged.status).toBe(401);

    const calls = await env.vendorCalls();
    const delivered = (await env.emulator.control.callbackLog()).recent.filter((d) => d.delivered && d.httpStatus === 200);
    // Counters can trail the status write they accompany by a moment; settle on the final values.
    const m = await eventually('settled metrics', async () => {
      const s = await scrape(ports.metrics);
      const settled =
        sampleSum(s, 'workqueue_depth', { name: 'rtmppushtask' }) === 0 &&
        sampleSum(s, 'controller_runtime_active_workers', { controller: 'rtmppushtask' }) === 0 &&
        sampleSum(s, 'rtmp_tasks', { state: 'Ready' }) === 2 &&
        sampleSum(s, 'rtmp_callbacks_total') === delivered.length;
      return settled ? s : undefined;
    });

    const vendor = (endpoint: string, code: string): number => sampleSum(m, 'rtmp_vendor_requests_total', { endpoint, code });
    expect(calls.map((c) => `${c.endpoint}:${String(c.code)}`).sort()).toEqual(['startrtmp:0', 'startrtmp:0', 'startrtmp:0', 'startrtmp:2104', 'stoprtmp:0']);
    expect({ start0: vendor('startrtmp', '0'), start2104: vendor('startrtmp', '2104'), stop0: vendor('stoprtmp', '0') }).toEqual({ start0: 3, start2104: 1, stop0: 1 });
    expect(sampleSum(m, 'rtmp_vendor_requests_total')).toBe(calls.length);

    const startLatency = (suffix: string, labels: Record<string, string> = {}): number =>
      sampleSum(m, `rtmp_vendor_request_duration_seconds_${suffix}`, { endpoint: 'startrtmp', ...labels });
    expect(startLatency('count')).toBe(4);
    expect(startLatency('bucket', { le: '+Inf' })).toBe(4);
    expect(startLatency('sum')).toBeGreaterThan(0);
    expect(isCumulative(samplesOf(m, 'rtmp_vendor_request_duration_seconds_bucket', { endpoint: 'startrtmp' }))).toBe(true);

    // Every reconcile is counted once by outcome, under controller-runtime's names; the 2104 made
    // one of them an error.
    const reconciles = (result?: string): number =>
      sampleSum(m, 'controller_runtime_reconcile_total', { controller: 'rtmppushtask', ...(result !== undefined ? { result } : {}) });
    const queue = (name: string): number => sampleSum(m, name, { name: 'rtmppushtask', controller: 'rtmppushtask' });
    expect(reconciles('error')).toBe(1);
    expect(sampleSum(m, 'controller_runtime_reconcile_errors_total', { controller: 'rtmppushtask' })).toBe(1);
    expect(reconciles('success') + reconciles('requeue_after')).toBeGreaterThanOrEqual(4);
    expect(sampleSum(m, 'controller_runtime_reconcile_time_seconds_count', { controller: 'rtmppushtask' })).toBe(reconciles());
    // client-go counts a retry for every AddAfter: the error's backoff and each requeue_after.
    expect(queue('workqueue_retries_total')).toBe(reconciles('error') + reconciles('requeue_after'));
    // Each reconcile is one run of a queued key: taken from the queue once, and finished once.
    expect(queue('workqueue_queue_duration_seconds_count')).toBe(reconciles());
    expect(queue('workqueue_work_duration_seconds_count')).toBe(reconciles());
    expect(queue('workqueue_adds_total')).toBeGreaterThanOrEqual(reconciles());
    expect(queue('workqueue_unfinished_work_seconds')).toBe(0);

    expect(sampleSum(m, 'rtmp_callbacks_total', { status: '3000' })).toBeGreaterThanOrEqual(3);
    expect(sampleSum(m, 'rtmp_callbacks_rejected_total', { reason: 'unauthorized' })).toBe(1);
    // Only the two live tasks, both Ready; the deleted one is gone from the gauge.
    expect(samplesOf(m, 'rtmp_tasks').filter((s) => s.value > 0).map((s) => [s.labels.state, s.value])).toEqual([['Ready', 2]]);
    // Without --leader-elect there is no Lease to report on (as with controller-runtime).
    expect(samplesOf(m, 'leader_election_master_status')).toEqual([]);
    // The two live tasks, by condition: both Ready, neither reconciling nor stalled.
    const conditions = (condition: string, status: string): number => sampleSum(m, 'rtmp_task_conditions', { condition, status });
    expect([conditions('Ready', 'True'), conditions('Reconciling', 'False'), conditions('Stalled', 'False')]).toEqual([2, 2, 2]);
    expect(sampleSum(m, 'rtmp_watch_restarts_total')).toBe(0);
    // Process metrics come along (prom-client defaults).
    expect(samplesOf(m, 'process_cpu_user_seconds_total')).toHaveLength(1);
    // The one failure was the injected 2104, logged as a warning: nothing went wrong unexpectedly.
    expect(op.records().filter((r) => r.level === 'error' || r.level === 'fatal')).toEqual([]);
  });
});

/** Histogram buckets are cumulative: counts never decrease as `le` grows. */
function isCumulative(buckets: readonly Sample[]): boolean {
  const sorted = [...buckets].sort((a, b) => Number(a.labels.le === '+Inf' ? Infinity : a.labels.le) - Number(b.labels.le === '+Inf' ? Infinity : b.labels.le));
  return sorted.every((b, i) => i === 0 || b.value >= (sorted[i - 1]?.value ?? 0));
}
