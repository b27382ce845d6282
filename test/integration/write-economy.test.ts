// What a new task costs the API server, counted by the API server itself (its request counters),
// not by watching resourceVersions: a PATCH that changes nothing bumps no resourceVersion and is
// invisible to a watch, yet the server still decodes, admits and compares it. The reconciler
// makes one metadata write (finalizer and start intent) and one status write (the start's record
// and its conditions); the first push report costs the callback writer one more. Anything beyond
// that is a wasted write, and a restart over a synced task writes nothing at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLURAL } from '../../src/api/v1alpha1/constants.js';
import { KubeClients } from '../../src/runtime/kube-clients.js';
import { OperatorFixture } from '../harness/operator.js';
import { parsePrometheus, sampleSum } from '../harness/operator-process.js';
import { until } from '../support/eventually.js';

interface TaskWrites {
  readonly metadata: number;
  readonly status: number;
}

describe('write economy, as the API server counts it', () => {
  let op: OperatorFixture;
  beforeAll(async () => {
    op = await OperatorFixture.create({ prefix: 'write-economy', deferStart: true });
  });
  afterAll(async () => {
    await op.close();
  });

  /** Successful and refused PATCHes of RtmpPushTasks so far (integration files run one at a time). */
  async function taskPatches(): Promise<TaskWrites & { readonly conflicts: number }> {
    const res = await KubeClients.for(op.kubeConfig).request({ method: 'GET', path: '/metrics' });
    expect(res.status).toBe(200);
    const samples = parsePrometheus(res.text);
    const patches = (subresource: string, code: string): number =>
      sampleSum(samples, 'apiserver_request_total', { resource: PLURAL, verb: 'PATCH', subresource, code });
    return { metadata: patches('', '200'), status: patches('status', '200'), conflicts: patches('status', '409') + patches('', '409') };
  }

  function delta(before: TaskWrites, after: TaskWrites): TaskWrites {
    return { metadata: after.metadata - before.metadata, status: after.status - before.status };
  }

  it('a new task costs one metadata write and two status writes, and a restart writes nothing', async () => {
    const before = await taskPatches();
    op.start();
    await op.create(op.task('economy'));
    await op.waitForCondition('economy', 'Ready', 'True');
    // A stop drains the work queue and the callback writer: every write the task caused is done.
    expect(await op.stop()).toBe(0);
    const afterStart = await taskPatches();
    // A status write that lost a race with the callback writer is refused (409) and redone; the
    // successful writes stay the same.
    expect(delta(before, afterStart)).toEqual({ metadata: 1, status: 2 });

    const idle = (): number => op.decisions('economy').filter((d) => d.kind === 'Idle').length;
    const idleBefore = idle();
    op.start();
    // The restarted operator has looked at the task and found it in sync.
    await until(() => idle() > idleBefore, 'the restarted operator to find the task in sync');
    expect(await op.stop()).toBe(0);
    expect(delta(afterStart, await taskPatches())).toEqual({ metadata: 0, status: 0 });
    expect((await taskPatches()).conflicts - afterStart.conflicts).toBe(0);
  });
});
