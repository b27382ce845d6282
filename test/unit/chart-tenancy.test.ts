// The chart's shared-cluster settings: tenancy.defaultCredentialsNamespaceSelector and
// taskidPrefix reach the operator as its flags, the values schema agrees with the operator's own
// checks, the two are not combined with watchNamespace, and NOTES.txt says what applies.
// (The RBAC rule for Namespaces is in chart.test.ts, with the other rules.)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSettings, runSpec } from '../../src/cli/run.js';
import { parseCommand } from '../../src/cli/flags.js';
import { taskidPrefixProblem } from '../../src/controller/desired-request.js';
import { CHART_DIR, REPO_ROOT, flagValue, helm, renderChart, theOne, type Deployment, type KubeObject } from '../harness/helm.js';

const NS = 'operators';

function operatorArgs(objects: readonly KubeObject[]): string[] {
  const container = theOne<Deployment>(objects, 'Deployment').spec.template.spec.containers.find((c) => c.name === 'operator');
  return container?.args ?? expect.fail('no operator container');
}

describe('tenancy and taskidPrefix values', () => {
  it('reach their flags, and the operator reads them as meant', async () => {
    const result = await renderChart({
      set: { taskidPrefix: 'eu-1' },
      // A values file: --set would split the selector at its comma.
      values: 'tenancy:\n  defaultCredentialsNamespaceSelector: "kubernetes.io/metadata.name in (team-a,team-b)"\n',
    });
    expect(result.code, result.stderr).toBe(0);
    const args = operatorArgs(result.objects);
    expect(flagValue(args, 'taskid-prefix')).toBe('eu-1');
    expect(flagValue(args, 'default-credentials-namespace-selector')).toBe('kubernetes.io/metadata.name in (team-a,team-b)');
    const settings = runSettings(parseCommand(runSpec, [...args.slice(1), '--callback-addr='], {}).values);
    expect(settings.taskidPrefix).toBe('eu-1');
    expect(settings.tenancy?.defaultCredentialsNamespaces?.requirements).toEqual([
      { key: 'kubernetes.io/metadata.name', op: 'in', values: ['team-a', 'team-b'] },
    ]);
  });

  it('pass no flag when empty, so the operator keeps its defaults', async () => {
    const result = await renderChart();
    expect(result.code, result.stderr).toBe(0);
    const args = operatorArgs(result.objects);
    expect(flagValue(args, 'taskid-prefix')).toBeUndefined();
    expect(flagValue(args, 'default-credentials-namespace-selector')).toBeUndefined();
  });

  it('refuses a selector together with watchNamespace (no Namespace is read there)', async () => {
    const result = await renderChart({ set: { watchNamespace: 'streams', 'tenancy.defaultCredentialsNamespaceSelector': 'tier' } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/release is the boundary/);
  });

  it.each([
    { reason: 'a taskid prefix is letters, digits, - and _', set: { taskidPrefix: 'eu/1' }, at: '/taskidPrefix' },
    { reason: 'tenancy has one setting', set: { 'tenancy.namespaceSelector': 'x' }, at: 'namespaceSelector' },
  ])('the schema rejects a bad value: $reason', async ({ set, at }) => {
    const result = await renderChart({ set });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('schema');
    expect(result.stderr).toContain(at);
  });

  const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, CHART_DIR, 'values.schema.json'), 'utf8')) as {
    properties: { taskidPrefix: { pattern: string } };
  };
  it.each(['', 'eu-1', 'a', 'A_b-9', 'x'.repeat(39), 'x'.repeat(40), '-a', 'a-', '_a', 'a b', 'a/b', 'a.b', 'é'])(
    'the taskidPrefix pattern agrees with the operator on %j',
    (value) => {
      expect(new RegExp(schema.properties.taskidPrefix.pattern).test(value)).toBe(taskidPrefixProblem(value) === undefined);
    },
  );
});

describe('NOTES.txt on tenancy', () => {
  const notes = async (...set: string[]): Promise<string> => {
    const args = ['install', 'rpo', CHART_DIR, '--namespace', NS, '--dry-run=client', '--set', 'credentials.existingSecret=jc'];
    for (const s of set) args.push('--set', s);
    const result = await helm(args);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.slice(result.stdout.indexOf('NOTES:'));
  };

  it('warns that every namespace may use the default credentials until a selector limits them', async () => {
    expect(await notes()).toContain('Any namespace may use the default credentials');
    const limited = await notes('tenancy.defaultCredentialsNamespaceSelector=tier=gold', 'taskidPrefix=eu-1');
    expect(limited).not.toContain('Any namespace');
    expect(limited).toContain('namespaces matching "tier=gold" only');
    expect(limited).toContain('Derived taskids start with eu-1-rpt-');
  });

  it('says nothing of it when the release watches one namespace', async () => {
    const text = await notes('watchNamespace=streams');
    expect(text).not.toContain('Any namespace');
    expect(text).not.toContain('default credentials serve');
  });
});
