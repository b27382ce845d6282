// What Flux (the kstatus rules) and Argo CD (the shipped health.lua, under real Lua 5.1 and 5.4)
// make of live RtmpPushTasks the operator has written on the real control plane: pushing,
// suspended, refused (InvalidSpec), vendor-rejected (2101), not yet seen, plus retrying and a spec
// the operator has not acted on yet (and three states derived from the live pushing task).
//
// The same objects are the Argo CD check's testdata/: the committed files must have the conditions
// (type, status, reason) the live ones have, so the health tests run on what the operator really
// writes. UPDATE_ARGOCD_TESTDATA=1 rewrites those files from the live objects (metadata the
// upstream testdata leaves out stripped, the namespace named `streams`) and their health_test.yaml
// cases; review the diff and commit it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { RtmpPushTaskStatus } from '../../src/api/v1alpha1/status.js';
import { lenientStatus } from '../../src/controller/read-task.js';
import { DEFAULT_PUSH_FAILING_AFTER_MS, DEFAULT_PUSH_FAILING_AFTER_RESTARTS, deriveStatus, type DeriveContext } from '../../src/controller/status-derive.js';
import { argoHealth, HEALTH_CHECK_DIR, healthTestObject, type ArgoHealthStatus } from '../harness/argocd-health.js';
import { kstatus, type KstatusStatus } from '../harness/kstatus.js';
import { condition, OperatorFixture, type TaskObject } from '../harness/operator.js';

const UPDATE = process.env.UPDATE_ARGOCD_TESTDATA === '1';
const url = (name: string): string => `rtmp://push.example.com/live/${name}`;

interface Expectation {
  readonly kstatus: readonly KstatusStatus[];
  readonly argo: ArgoHealthStatus;
}

const expected: Record<string, Expectation> = {
  pushing: { kstatus: ['Current'], argo: 'Healthy' },
  suspended: { kstatus: ['Current'], argo: 'Suspended' },
  'invalid-spec': { kstatus: ['Failed'], argo: 'Degraded' },
  'vendor-rejected': { kstatus: ['Failed'], argo: 'Degraded' },
  // kstatus cannot tell "not seen yet" from "nothing to report" (its README's corner case).
  'not-yet-seen': { kstatus: ['Current', 'InProgress'], argo: 'Progressing' },
  retrying: { kstatus: ['InProgress'], argo: 'Progressing' },
  'spec-changed': { kstatus: ['InProgress'], argo: 'Progressing' },
  // Derived from the live pushing task by the operator's own deriveStatus (see derivedFromPushing).
  'callbacks-off': { kstatus: ['Current'], argo: 'Healthy' },
  'awaiting-callback': { kstatus: ['InProgress'], argo: 'Progressing' },
  'push-failing': { kstatus: ['InProgress'], argo: 'Degraded' },
};

describe('kstatus and the Argo CD health check on live tasks', () => {
  let op: OperatorFixture;
  const live = new Map<string, TaskObject>();

  beforeAll(async () => {
    op = await OperatorFixture.create({ prefix: 'gitops', deferStart: true });
    // Not yet seen: created while no operator runs.
    await op.create(op.task('not-yet-seen', { taskid: 'gitops-unseen', rtmpurls: [url('unseen')] }));
    live.set('not-yet-seen', must(await op.get('not-yet-seen')));

    await op.emulator.control.addFault({ endpoint: 'startrtmp', code: 2101, match: { taskid: 'gitops-rejected' } });
    await op.emulator.control.addFault({ endpoint: 'startrtmp', code: 2104, match: { taskid: 'gitops-retrying' } });
    op.start();
    const source = op.task('invalid-spec', { streamtype: 2, rtmpurls: [url('invalid')] });
    delete source.spec['mixconfig'];
    await Promise.all([
      op.create(op.task('pushing', { taskid: 'gitops-pushing', rtmpurls: [url('pushing')] })),
      op.create(op.task('suspended', { taskid: 'gitops-suspended', rtmpurls: [url('suspended')] })),
      op.create(source),
      op.create(op.task('vendor-rejected', { taskid: 'gitops-rejected', rtmpurls: [url('rejected')] })),
      op.create(op.task('retrying', { taskid: 'gitops-retrying', rtmpurls: [url('retrying')] })),
      op.create(op.task('spec-changed', { taskid: 'gitops-changed', rtmpurls: [url('changed')] })),
    ]);
    await op.waitForCondition('suspended', 'Ready', 'True');
    await op.patchSpec('suspended', { suspend: true });

    live.set('pushing', must(await op.waitForCondition('pushing', 'Ready', 'True', 'Streaming')));
    live.set('suspended', must(await op.waitForCondition('suspended', 'Ready', 'True', 'Suspended')));
    live.set('invalid-spec', must(await op.waitForCondition('invalid-spec', 'Synced', 'False', 'InvalidSpec')));
    live.set('vendor-rejected', must(await op.waitForCondition('vendor-rejected', 'Synced', 'False', 'InvalidParameter')));
    live.set('retrying', must(await op.waitForCondition('retrying', 'Reconciling', 'True', 'RetryingWithBackoff')));
    await op.waitForCondition('spec-changed', 'Ready', 'True');
    // A spec the operator has not acted on yet: edited while it is down.
    expect(await op.stop()).toBe(0);
    live.set('spec-changed', must(await op.patchSpec('spec-changed', { rtmpurls: [url('changed'), url('changed-backup')] })));
    for (const [name, obj] of Object.entries(derivedFromPushing(must(live.get('pushing'))))) live.set(name, obj);
  });
  afterAll(async () => {
    await op.close();
  });

  it.each(Object.entries(expected).map(([name, want]) => ({ name, ...want })))('$name: kstatus $kstatus, Argo CD $argo', async (want) => {
    const obj = must(live.get(want.name));
    expect(want.kstatus).toContain(kstatus(obj).status);
    expect((await argoHealth(obj)).status).toBe(want.argo);
  });

  it('the Stalled and Degraded messages say what is wrong', async () => {
    expect((await argoHealth(must(live.get('invalid-spec')))).message).toContain('spec.uid: is required for source stream pushing');
    expect(kstatus(live.get('vendor-rejected')).message).toContain('code 2101');
    expect(condition(live.get('suspended'), 'Ready')?.reason).toBe('Suspended');
    expect(live.get('not-yet-seen')?.status).toBeUndefined();
  });

  const itUnlessUpdating = UPDATE ? (): void => undefined : it;
  itUnlessUpdating('the committed testdata have the conditions the live tasks have', () => {
    for (const name of Object.keys(expected)) {
      const committed = healthTestObject(`testdata/${name}.yaml`);
      expect({ name, conditions: conditionShape(committed) }).toEqual({ name, conditions: conditionShape(testdataOf(must(live.get(name)), op.namespace)) });
    }
  });

  // Registered only in the rewrite mode, so a normal run reports no skipped test.
  const itWhenUpdating = UPDATE ? it : (): void => undefined;
  itWhenUpdating('rewrites the testdata and their health_test.yaml cases from the live tasks', async () => {
    const testFile = path.join(HEALTH_CHECK_DIR, 'health_test.yaml');
    const doc = parse(readFileSync(testFile, 'utf8')) as { tests: Array<{ inputPath: string; healthStatus: { status: string; message?: string } }> };
    for (const [name, want] of Object.entries(expected)) {
      const obj = testdataOf(must(live.get(name)), op.namespace);
      const inputPath = `testdata/${name}.yaml`;
      writeFileSync(path.join(HEALTH_CHECK_DIR, inputPath), stringify(obj, { lineWidth: 0 }));
      const health = await argoHealth(obj);
      expect(health.status).toBe(want.argo);
      const healthStatus = { status: health.status, ...(health.message !== '' ? { message: health.message } : {}) };
      const at = doc.tests.findIndex((t) => t.inputPath === inputPath);
      if (at >= 0) doc.tests[at] = { healthStatus, inputPath };
      else doc.tests.push({ healthStatus, inputPath });
    }
    writeFileSync(testFile, stringify(doc, { lineWidth: 0 }));
  });
});

/**
 * States that take minutes (a push problem lasting past PushFailing) or another operator setup
 * (callbacks off, a callback that never came) to reach live: the live pushing task's status as the
 * operator's deriveStatus — what both status writers call — turns it.
 */
function derivedFromPushing(pushing: TaskObject): Record<string, TaskObject> {
  const status = lenientStatus(pushing.status);
  const spec = { suspend: false, rtmpurls: (pushing.spec['rtmpurls'] as string[] | undefined) ?? [] };
  const started = Date.parse(status.lastStartTime ?? '');
  const ctx = (msAfterStart: number, callbacksEnabled = true): DeriveContext => ({
    now: new Date(started + msAfterStart),
    callbacksEnabled,
    staleMs: 300_000,
    pushFailingAfterMs: DEFAULT_PUSH_FAILING_AFTER_MS,
    pushFailingAfterRestarts: DEFAULT_PUSH_FAILING_AFTER_RESTARTS,
  });
  const synced = (status.conditions ?? []).filter((c) => c.type === 'Synced');
  const as = (name: string, s: RtmpPushTaskStatus): TaskObject => ({ ...pushing, metadata: { ...pushing.metadata, name }, status: JSON.parse(JSON.stringify(s)) as NonNullable<TaskObject['status']> });
  const unreported = { ...status, destinations: undefined, conditions: synced };
  const sourceLost = (ms: number): RtmpPushTaskStatus['destinations'] =>
    (status.destinations ?? []).map((d) => ({ ...d, state: 'SourceUnavailable', code: 3001, errcode: 2002, description: 'status 3001', lastCallbackTime: new Date(started + ms).toISOString() }));
  const lost = deriveStatus({ ...status, destinations: sourceLost(60_000) }, spec, ctx(60_000)).status;
  const later = 60_000 + DEFAULT_PUSH_FAILING_AFTER_MS;
  return {
    'callbacks-off': as('callbacks-off', deriveStatus(unreported, spec, ctx(0, false)).status),
    'awaiting-callback': as('awaiting-callback', deriveStatus(unreported, spec, ctx(1_000)).status),
    'push-failing': as('push-failing', deriveStatus({ ...lost, destinations: sourceLost(later) }, spec, ctx(later)).status),
  };
}

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('missing');
  return value;
}

/**
 * A live object as testdata: no managedFields, uid, resourceVersion, creationTimestamp or
 * annotations (the start intent), as upstream's testdata keep them out, and the namespace `streams`.
 */
function testdataOf(obj: TaskObject, namespace: string): Record<string, unknown> {
  const { managedFields: _m, uid: _u, resourceVersion: _r, creationTimestamp: _c, annotations: _a, ...metadata } = obj.metadata;
  const text = JSON.stringify({ ...obj, metadata }).replaceAll(namespace, 'streams');
  return JSON.parse(text) as Record<string, unknown>;
}

function conditionShape(obj: unknown): string[] {
  const t = obj as TaskObject;
  const generation = t.metadata.generation;
  return (t.status?.conditions ?? []).map((c) => `${c.type}=${c.status} ${c.reason}${c.observedGeneration === generation ? '' : ' (older generation)'}`).sort();
}
