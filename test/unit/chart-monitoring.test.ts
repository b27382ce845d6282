// The chart's optional monitoring objects: the PrometheusRule and the Grafana dashboard ConfigMap
// carry exactly the rules and dashboard of config/ (test/unit/monitoring.test.ts checks those),
// and the ServiceMonitor gives the targets the job label they select.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERTS_SOURCE, DASHBOARD_SOURCE } from '../../scripts/generate-monitoring.js';
import { REPO_ROOT, ofKind, renderChart, theOne, type KubeObject } from '../harness/helm.js';

const NS = 'operators';
const FULLNAME = 'rpo-rtmp-push-operator';
const source = (p: string): string => readFileSync(path.join(REPO_ROOT, p), 'utf8');

async function render(set: Record<string, string | number | boolean> = {}): Promise<KubeObject[]> {
  const result = await renderChart({ set });
  expect(result.code, result.stderr).toBe(0);
  return result.objects;
}

describe('chart monitoring objects', () => {
  it('are off by default', async () => {
    const objects = await render();
    expect(ofKind(objects, 'PrometheusRule')).toEqual([]);
    expect(ofKind(objects, 'ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard !== undefined)).toEqual([]);
  });

  it('metrics.prometheusRule: the rule groups of config/prometheus/alerts.yaml, with the release labels and extra ones', async () => {
    const objects = await render({ 'metrics.prometheusRule.enabled': true, 'metrics.prometheusRule.labels.release': 'prometheus' });
    const rule = theOne<KubeObject & { spec: unknown }>(objects, 'PrometheusRule');
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.metadata).toMatchObject({ name: FULLNAME, namespace: NS, labels: { release: 'prometheus', 'app.kubernetes.io/instance': 'rpo' } });
    expect(rule.spec).toEqual((parse(source(ALERTS_SOURCE)) as { spec: unknown }).spec);
  });

  it('metrics.grafanaDashboard: a ConfigMap the Grafana sidecar loads, holding config/grafana/rtmp-push-operator.json', async () => {
    const objects = await render({
      'metrics.grafanaDashboard.enabled': true,
      'metrics.grafanaDashboard.namespace': 'monitoring',
      'metrics.grafanaDashboard.annotations.grafana_folder': 'Operators',
    });
    const cm = theOne<KubeObject & { data: Record<string, string> }>(objects, 'ConfigMap', `${FULLNAME}-dashboard`);
    expect(cm.metadata.namespace).toBe('monitoring');
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'Operators' });
    expect(Object.keys(cm.data)).toEqual(['rtmp-push-operator.json']);
    expect(JSON.parse(cm.data['rtmp-push-operator.json'] ?? '')).toEqual(JSON.parse(source(DASHBOARD_SOURCE)));
  });

  it('metrics.serviceMonitor: names the job rtmp-push-operator whatever the release, as the rules and dashboard expect', async () => {
    const objects = await render({ 'metrics.serviceMonitor.enabled': true });
    const monitor = theOne<KubeObject & { spec: { endpoints: Array<{ relabelings?: unknown }> } }>(objects, 'ServiceMonitor');
    expect(monitor.spec.endpoints.map((e) => e.relabelings)).toEqual([[{ targetLabel: 'job', replacement: 'rtmp-push-operator' }]]);
  });

  it.each([
    { key: 'metrics.prometheusRule.enable', value: true, at: 'enable' },
    { key: 'metrics.grafanaDashboard.enabled', value: 'yes', at: '/metrics/grafanaDashboard/enabled' },
  ])('the values schema rejects $key=$value', async ({ key, value, at }) => {
    const result = await renderChart({ set: { [key]: value } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(at);
  });
});
