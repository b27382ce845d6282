// The chart's copies of the monitoring files (helm's .Files.Get reads only inside the chart):
// config/grafana/rtmp-push-operator.json and the rule groups of config/prometheus/alerts.yaml
// are the sources. `npm run generate` writes the copies; test/unit/monitoring.test.ts fails when
// they drift.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

export const DASHBOARD_SOURCE = 'config/grafana/rtmp-push-operator.json';
export const ALERTS_SOURCE = 'config/prometheus/alerts.yaml';
export const CHART_DASHBOARD = 'charts/rtmp-push-operator/files/grafana-dashboard.json';
export const CHART_RULES = 'charts/rtmp-push-operator/files/prometheus-rules.yaml';

/** The PrometheusRule's spec, as its own document: the lines under `spec:`, dedented. */
export function ruleGroupsText(alertsYaml: string): string {
  const lines = alertsYaml.split('\n');
  const spec = lines.indexOf('spec:');
  if (spec === -1) throw new Error(`${ALERTS_SOURCE}: no top-level spec:`);
  const body = lines.slice(spec + 1);
  const outdented = body.find((l) => l.trim() !== '' && !l.startsWith('  '));
  if (outdented !== undefined) throw new Error(`${ALERTS_SOURCE}: spec must be the last top-level key (found "${outdented}")`);
  return `# Generated from ${ALERTS_SOURCE} by \`npm run generate\`: edit that file.\n${body.map((l) => l.slice(2)).join('\n')}`;
}

/** Each chart copy with the content it must have. */
export function chartMonitoringFiles(): Array<{ readonly path: string; readonly content: string }> {
  const read = (p: string): string => readFileSync(path.join(root, p), 'utf8');
  return [
    { path: CHART_DASHBOARD, content: read(DASHBOARD_SOURCE) },
    { path: CHART_RULES, content: ruleGroupsText(read(ALERTS_SOURCE)) },
  ];
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const file of chartMonitoringFiles()) {
    writeFileSync(path.join(root, file.path), file.content);
    console.log(`wrote ${file.path}`);
  }
}
