import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

/** Every series family the operator exports besides prom-client's process and Node.js metrics. */
const OPERATOR_METRIC_NAMES = [
  'controller_runtime_reconcile_total',
  'controller_runtime_reconcile_errors_total',
  'controller_runtime_reconcile_time_seconds',
  'controller_runtime_max_concurrent_reconciles',
  'controller_runtime_active_workers',
  'workqueue_depth',
  'workqueue_adds_total',
  'workqueue_queue_duration_seconds',
  'workqueue_work_duration_seconds',
  'workqueue_retries_total',
  'workqueue_unfinished_work_seconds',
  'workqueue_longest_running_processor_seconds',
  'leader_election_master_status',
  'rtmp_vendor_requests_total',
  'rtmp_vendor_request_duration_seconds',
  'rtmp_callbacks_total',
  'rtmp_callbacks_rejected_total',
  'rtmp_tasks',
  'rtmp_task_conditions',
  'rtmp_watch_restarts_total',
  'rtmp_events_dropped_total',
];

describe('createMetrics', () => {
  it('registers every operator metric, plus process metrics, in its own registry, and none of the old rtmp_ reconcile, queue or leader names', async () => {
    const metrics = createMetrics();
    const text = await metrics.registry.metrics();
    const families = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
    for (const name of OPERATOR_METRIC_NAMES) expect(families).toContain(name);
    expect(families.filter((n) => n?.startsWith('rtmp_')).sort()).toEqual(OPERATOR_METRIC_NAMES.filter((n) => n.startsWith('rtmp_')).sort());
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('can be created twice in one process without name clashes, and the registries are independent', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.callbacksTotal.inc({ status: '3000' });
    expect(await a.registry.getSingleMetricAsString('rtmp_callbacks_total')).toContain('rtmp_callbacks_total{status="3000"} 1');
    expect(await b.registry.getSingleMetricAsString('rtmp_callbacks_total')).not.toContain('status="3000"');
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

  it('exports leader_election_master_status only for the Leases it is given', async () => {
    const m = createMetrics({ defaultMetrics: false });
    expect(await m.registry.getSingleMetricAsString('leader_election_master_status')).not.toMatch(/^leader_election_master_status[{ ]/m);
    m.leaderElectionMasterStatus.set({ name: 'rtmp-push-operator' }, 0);
    expect(await m.registry.getSingleMetricAsString('leader_election_master_status')).toContain('leader_election_master_status{name="rtmp-push-operator"} 0');
  });
});
