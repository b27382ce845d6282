// What a user does with kubectl, for real: apply the sample, wait for Synced, read the printer
// columns, delete (which returns only once the operator has stopped the push and let go).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperatorFixture, REPO_ROOT } from '../harness/operator.js';

const SAMPLE = path.join(REPO_ROOT, 'config/samples/rtmp.jocloud.com_v1alpha1_rtmppushtask.yaml');
const NAME = 'mixed-input-layout';

/** Splits `kubectl get` table output into rows of cells. */
function table(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
}

describe('reconciler with kubectl', () => {
  let op: OperatorFixture;
  beforeAll(async () => {
    op = await OperatorFixture.create({ prefix: 'rkubectl' });
  });
  afterAll(async () => {
    await op.close();
  });

  it('kubectl apply the sample, wait for Synced, get the columns, delete after the stop', async () => {
    const apply = await op.kubectl(['apply', '-f', SAMPLE]);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain(`rtmppushtask.rtmp.jocloud.com/${NAME} created`);

    const wait = await op.kubectl(['wait', '--for=condition=Synced', `rpt/${NAME}`, '--timeout=60s']);
    expect(wait.code, wait.stderr).toBe(0);
    expect(wait.stdout).toContain('condition met');
    const starts = await op.vendorCalls('startrtmp');
    expect(starts.map((c) => c.body)).toEqual([expect.objectContaining({ appid: '1470236061', roomid: '123', streamtype: 1, taskid: 'biz007', rtmpurl: 'rtmp://push.example.com/live/test' })]);

    // Ready needs the first push-status callback too; then the columns are all filled in.
    const ready = await op.kubectl(['wait', '--for=condition=Ready', `rpt/${NAME}`, '--timeout=60s']);
    expect(ready.code, ready.stderr).toBe(0);
    const get = await op.kubectl(['get', 'rpt']);
    expect(get.code, get.stderr).toBe(0);
    const [header, row, ...rest] = table(get.stdout);
    expect(rest).toEqual([]);
    expect(header).toEqual(['NAME', 'ROOMID', 'STREAMTYPE', 'TASKID', 'READY', 'STREAMING', 'STATUS', 'AGE']);
    expect(row?.slice(0, 6)).toEqual([NAME, '123', '1', 'biz007', 'True', 'True']);

    const wide = await op.kubectl(['get', 'rtmppushtasks', '-o', 'wide']);
    expect(wide.code, wide.stderr).toBe(0);
    const [wideHeader, wideRow] = table(wide.stdout);
    expect(wideHeader).toEqual(['NAME', 'ROOMID', 'STREAMTYPE', 'TASKID', 'READY', 'STREAMING', 'SUSPEND', 'REASON', 'STATUS', 'AGE']);
    expect(wideRow?.slice(6, 8)).toEqual(['false', 'Synced']);

    // kubectl delete waits for the object to be gone, i.e. for the finalizer to come off.
    const del = await op.kubectl(['delete', 'rpt', NAME, '--timeout=60s']);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toContain(`rtmppushtask.rtmp.jocloud.com "${NAME}" deleted`);
    expect(await op.get(NAME)).toBeUndefined();
    const calls = await op.vendorCalls();
    expect(calls.map((c) => `${c.endpoint} ${c.code ?? ''}`)).toEqual(['startrtmp 0', 'stoprtmp 0']);
    expect(calls[1]?.body).toEqual(expect.objectContaining({ appid: '1470236061', roomid: '123', streamtype: 1, taskid: 'biz007' }));
    expect(await op.emulator.control.tasks()).toEqual([]);
  });
});
