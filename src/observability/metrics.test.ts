import { describe, expect, it } from 'vitest';
import { createMetrics, workQueueMetricsHooks } from './metrics.js';

const operatorMetricNames = [
  'rtmp_reconcile_total',
  'rtmp_reconcile_errors_total',
  'rtmp_reconcile_duration_seconds',
  'rtmp_workqueue_depth',
  'rtmp_workqueue_wait_seconds',
  'rtmp_workqueue_retries_total',
  'rtmp_vendor_requests_total',
  'rtmp_vendor_request_duration_seconds',
  'rtmp_callbacks_total',
  'rtmp_callbacks_rejected_total',
  'rtmp_tasks',
  'rtmp_leader',
  'rtmp_watch_restarts_total',
];

describe('createMetrics', () => {
  it('registers every operator metric, plus process metrics, in its own registry', async () => {
    const metrics = createMetrics();
    const text = await metrics.registry.metrics();
    for (const name of operatorMetricNames) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('rtmp_leader 0');
  });

  it('can be created twice in one process without name clashes, and the registries are independent', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.reconcileTotal.inc({ result: 'success' });
    expect(await a.registry.getSingleMetricAsString('rtmp_reconcile_total')).toContain('rtmp_reconcile_total{result="success"} 1');
    expect(await b.registry.getSingleMetricAsString('rtmp_reconcile_total')).not.toContain('result="success"');
    expect(await a.registry.metrics()).not.toContain('process_cpu');
  });

  it('records labelled vendor requests and callbacks', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.vendorRequestsTotal.inc({ endpoint: 'startrtmp', code: '0' });
    m.vendorRequestsTotal.inc({ endpoint: 'startrtmp', code: '2103' });
    m.vendorRequestDuration.observe({ endpoint: 'startrtmp' }, 0.2);
    m.callbacksRejectedTotal.inc({ reason: 'unauthorized' });
    m.watchRestartsTotal.inc({ resource: 'rtmppushtasks' });
    const text = await m.registry.metrics();
    expect(text).toContain('rtmp_vendor_requests_total{endpoint="startrtmp",code="2103"} 1');
    expect(text).toContain('rtmp_vendor_request_duration_seconds_count{endpoint="startrtmp"} 1');
    expect(text).toContain('rtmp_callbacks_rejected_total{reason="unauthorized"} 1');
    expect(text).toContain('rtmp_watch_restarts_total{resource="rtmppushtasks"} 1');
  });
});

describe('rtmp_tasks', () => {
  it('is computed from taskStates at each scrape, dropping states that no longer occur', async () => {
    let states: Array<[string, number]> = [['Ready', 2], ['CredentialsRejected', 1]];
    const m = createMetrics({ defaultMetrics: false, taskStates: () => states });
    const first = await m.registry.getSingleMetricAsString('rtmp_tasks');
    expect(first).toContain('rtmp_tasks{state="Ready"} 2');
    expect(first).toContain('rtmp_tasks{state="CredentialsRejected"} 1');
    states = [['Ready', 3]];
    const second = await m.registry.getSingleMetricAsString('rtmp_tasks');
    expect(second).toContain('rtmp_tasks{state="Ready"} 3');
    expect(second).not.toContain('CredentialsRejected');
  });
});

describe('workQueueMetricsHooks', () => {
  it('feeds depth, wait time (in seconds) and retries', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const hooks = workQueueMetricsHooks(m);
    hooks.depth?.(7);
    hooks.started?.('ns/a', 1_500);
    hooks.retried?.('ns/a', 1_000, 1);
    hooks.retried?.('ns/a', 2_000, 2);
    const text = await m.registry.metrics();
    expect(text).toContain('rtmp_workqueue_depth 7');
    expect(text).toContain('rtmp_workqueue_wait_seconds_sum 1.5');
    expect(text).toContain('rtmp_workqueue_wait_seconds_bucket{le="2.5"} 1');
    expect(text).toContain('rtmp_workqueue_retries_total 2');
  });
});
