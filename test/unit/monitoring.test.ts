// The alert rules (config/prometheus/alerts.yaml) and the Grafana dashboard
// (config/grafana/rtmp-push-operator.json): promtool parses and unit-tests the rules and parses
// every dashboard query; every metric they read is one the operator exports; the chart's copies
// are what `npm run generate` makes of them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERTS_SOURCE, DASHBOARD_SOURCE, chartMonitoringFiles } from '../../scripts/generate-monitoring.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { REPO_ROOT } from '../harness/helm.js';
import { metricNames, promtool, selectorsOf } from '../harness/promql.js';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr: string; refId: string; datasource: { uid: string } }>;
}

const read = (p: string): string => readFileSync(path.join(REPO_ROOT, p), 'utf8');
const alerts = parse(read(ALERTS_SOURCE)) as { kind: string; spec: { groups: Array<{ name: string; rules: Rule[] }> } };
const rules = alerts.spec.groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(read(DASHBOARD_SOURCE)) as { uid: string; panels: Panel[]; templating: { list: Array<{ name: string; type: string }> } };
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
const JOB = 'job="rtmp-push-operator"';

/** Dashboard variables replaced by values Prometheus accepts. */
const withoutVariables = (expr: string): string => expr.replaceAll('$__rate_interval', '5m').replaceAll('$namespace', '.*');

/** Metric families createMetrics() registers, with the sample names a histogram adds, plus Prometheus's own `up`. */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set(['up']);
  for (const m of await createMetrics().registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m.name + suffix);
  }
  return names;
}

describe('alert rules', () => {
  it('is a PrometheusRule with the alerts the operator promises', () => {
    expect(alerts.kind).toBe('PrometheusRule');
    expect(rules.map((r) => r.alert)).toEqual([
      'RtmpPushOperatorDown',
      'RtmpPushOperatorNoLeader',
      'RtmpPushReconcileErrors',
      'RtmpPushVendorErrorRateHigh',
      'RtmpPushTasksNotReady',
      'RtmpPushTasksStalled',
    ]);
    for (const r of rules) {
      expect(r.labels?.severity, r.alert).toMatch(/^(critical|warning)$/);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(r.annotations?.description, r.alert).toBeTruthy();
    }
  });

  it('passes promtool check rules (PromQL and annotation templates)', async () => {
    const result = await promtool(['check', 'rules', 'rules.yaml'], { 'rules.yaml': { groups: alerts.spec.groups } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('fires on the series it is meant for, and only then (promtool test rules)', async () => {
    // Annotations are left out: promtool compares them verbatim, and check rules covers their templates.
    const bare = { groups: alerts.spec.groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _omit, ...r }) => r) })) };
    const s = (name: string, labels: string, values: string): { series: string; values: string } => ({
      series: `${name}{${JOB}, namespace="ops", ${labels}}`,
      values,
    });
    const fires = (alertname: string, evalTime: string, labels: Record<string, string>) => ({ eval_time: evalTime, alertname, exp_alerts: [{ exp_labels: labels }] });
    const silent = (alertname: string, evalTime: string) => ({ eval_time: evalTime, alertname, exp_alerts: [] });
    const tests = [
      // Both replicas down, then (another test) one up.
      { interval: '1m', input_series: [s('up', 'pod="a"', '0x20'), s('up', 'pod="b"', '0x20')], alert_rule_test: [silent('RtmpPushOperatorDown', '4m'), fires('RtmpPushOperatorDown', '10m', { severity: 'critical' })] },
      { interval: '1m', input_series: [s('up', 'pod="a"', '0x20'), s('up', 'pod="b"', '1x20')], alert_rule_test: [silent('RtmpPushOperatorDown', '10m')] },
      {
        interval: '1m',
        input_series: [
          s('leader_election_master_status', 'name="rpo", pod="a"', '1x5 0x20'),
          s('leader_election_master_status', 'name="rpo", pod="b"', '0x5 0x20'),
          s('leader_election_master_status', 'name="other", pod="c"', '1x25'),
        ],
        alert_rule_test: [silent('RtmpPushOperatorNoLeader', '5m'), fires('RtmpPushOperatorNoLeader', '15m', { severity: 'critical', namespace: 'ops', name: 'rpo' })],
      },
      {
        interval: '1m',
        input_series: [
          s('controller_runtime_reconcile_total', 'controller="rtmppushtask", result="success", pod="a"', '0+10x60'),
          s('controller_runtime_reconcile_total', 'controller="rtmppushtask", result="error", pod="a"', '0x20 0+5x40'),
          s('controller_runtime_reconcile_errors_total', 'controller="rtmppushtask", pod="a"', '0x20 0+5x40'),
        ],
        alert_rule_test: [silent('RtmpPushReconcileErrors', '20m'), fires('RtmpPushReconcileErrors', '55m', { severity: 'warning', namespace: 'ops', controller: 'rtmppushtask' })],
      },
      {
        interval: '1m',
        input_series: [
          s('rtmp_vendor_requests_total', 'endpoint="startrtmp", code="0", pod="a"', '0+10x40'),
          s('rtmp_vendor_requests_total', 'endpoint="startrtmp", code="2104", pod="a"', '0+1x10 0+10x30'),
          s('rtmp_vendor_requests_total', 'endpoint="stoprtmp", code="0", pod="a"', '0+10x40'),
        ],
        alert_rule_test: [silent('RtmpPushVendorErrorRateHigh', '10m'), fires('RtmpPushVendorErrorRateHigh', '35m', { severity: 'warning', namespace: 'ops', endpoint: 'startrtmp' })],
      },
      {
        // Both replicas count the same two tasks: one alert, value 2 (max, not sum).
        interval: '1m',
        input_series: ['a', 'b'].flatMap((pod) => [
          s('rtmp_task_conditions', `condition="Ready", status="False", pod="${pod}"`, '1x40'),
          s('rtmp_task_conditions', `condition="Ready", status="Unknown", pod="${pod}"`, '1x40'),
          s('rtmp_task_conditions', `condition="Ready", status="True", pod="${pod}"`, '5x40'),
        ]),
        alert_rule_test: [silent('RtmpPushTasksNotReady', '10m'), fires('RtmpPushTasksNotReady', '20m', { severity: 'warning', namespace: 'ops' })],
      },
      {
        interval: '1m',
        input_series: [s('rtmp_task_conditions', 'condition="Ready", status="False", pod="a"', '0x40'), s('rtmp_task_conditions', 'condition="Ready", status="True", pod="a"', '3x40')],
        alert_rule_test: [silent('RtmpPushTasksNotReady', '30m')],
      },
      {
        interval: '1m',
        input_series: [s('rtmp_task_conditions', 'condition="Stalled", status="True", pod="a"', '0x5 1x20'), s('rtmp_task_conditions', 'condition="Stalled", status="False", pod="a"', '4x25')],
        alert_rule_test: [silent('RtmpPushTasksStalled', '8m'), fires('RtmpPushTasksStalled', '15m', { severity: 'warning', namespace: 'ops' })],
      },
    ];
    const result = await promtool(['test', 'rules', 'tests.yaml'], {
      'rules.yaml': bare,
      'tests.yaml': { rule_files: ['rules.yaml'], evaluation_interval: '1m', tests },
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
  });
});

describe('the Grafana dashboard', () => {
  it('has a fixed uid, a data source variable every query uses, unique panel ids, and panels inside the 24-column grid', () => {
    expect(dashboard.uid).toBe('rtmp-push-operator');
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.description, p.title).toBeTruthy();
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      for (const t of p.targets ?? []) expect(t.datasource.uid, p.title).toBe('${datasource}');
    }
  });

  it('covers reconciles, the work queue, the vendor API, callbacks, tasks by state and the leader', () => {
    const read = new Set(queries.flatMap((q) => metricNames(q.expr)));
    for (const name of [
      'controller_runtime_reconcile_total',
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_reconcile_time_seconds_bucket',
      'workqueue_depth',
      'workqueue_queue_duration_seconds_bucket',
      'workqueue_work_duration_seconds_bucket',
      'rtmp_vendor_requests_total',
      'rtmp_vendor_request_duration_seconds_bucket',
      'rtmp_callbacks_total',
      'rtmp_callbacks_rejected_total',
      'rtmp_tasks',
      'rtmp_task_conditions',
      'leader_election_master_status',
    ]) {
      expect(read, name).toContain(name);
    }
  });

  it('has queries promtool parses (each checked as a recording rule)', async () => {
    const group = { name: 'dashboard', rules: queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: withoutVariables(q.expr) })) };
    const result = await promtool(['check', 'rules', 'rules.yaml'], { 'rules.yaml': { groups: [group] } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });
});

describe('rules and dashboard against the operator', () => {
  const exprs = [...rules.map((r) => ({ where: r.alert, expr: r.expr })), ...queries.map((q) => ({ where: q.panel, expr: q.expr }))];

  it('read only metrics that createMetrics() registers (or up)', async () => {
    const exported = await exportedNames();
    const unknown = exprs.flatMap(({ where, expr }) => metricNames(expr).filter((n) => !exported.has(n)).map((n) => `${where}: ${n}`));
    expect(unknown).toEqual([]);
    expect(exprs.every(({ expr }) => metricNames(expr).length > 0)).toBe(true);
  });

  it('select the job label the ServiceMonitors set, in every selector', () => {
    const unselected = exprs.flatMap(({ where, expr }) =>
      metricNames(expr).flatMap((name) => {
        const selectors = selectorsOf(expr, name);
        return selectors.length === 0 || selectors.some((m) => !m.includes(JOB)) ? [`${where}: ${name}`] : [];
      }),
    );
    expect(unselected).toEqual([]);
    const monitor = parse(read('config/prometheus/monitor.yaml')) as { spec: { endpoints: Array<{ relabelings?: unknown[] }> } };
    expect(monitor.spec.endpoints[0]?.relabelings).toEqual([{ targetLabel: 'job', replacement: 'rtmp-push-operator' }]);
  });

  it('metricNames() finds metric names and nothing else', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, name) (rate(workqueue_queue_duration_seconds_bucket{job="x", name=~"$namespace"}[$__rate_interval]))) > 1e-8')).toEqual([
      'workqueue_queue_duration_seconds_bucket',
    ]);
    expect(metricNames('absent(up{job="x"} == 1) or max without (status) (a_b:c) / on (pod) group_left (x) other_metric')).toEqual(['a_b:c', 'other_metric', 'up']);
  });
});

describe("the chart's copies", () => {
  it.each(chartMonitoringFiles())('$path is what `npm run generate` makes of its source', ({ path: file, content }) => {
    expect(read(file) === content, `${file} drifted from its source: run npm run generate`).toBe(true);
  });

  it('hold the same rule groups as the PrometheusRule', () => {
    const [, rulesCopy] = chartMonitoringFiles();
    expect(parse(rulesCopy?.content ?? '')).toEqual({ groups: alerts.spec.groups });
  });
});
