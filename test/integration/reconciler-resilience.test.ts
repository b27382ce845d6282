// The reconciler across disruptions: an operator restart with tasks already running costs no vendor
// call and no write, and cut apiserver connections (a TCP proxy between the operator and the
// apiserver) do not stop it from seeing changes, including one made while it could not connect.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/emulator/control-api.js';
import { condition, OperatorFixture, type TaskObject } from '../harness/operator.js';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';

const mixOutput = { streamtype: 2, audiobitrate: 64, audiochannel: 2, audiosample: 44100, audioencode: 1 };

function syncedAt(t: TaskObject | undefined, generation: number): boolean {
  const c = condition(t, 'Synced');
  return t?.metadata.generation === generation && c?.status === 'True' && c.reason === 'Synced' && c.observedGeneration === generation;
}

const starts = (calls: readonly CallRecord[]): Array<number | null> =>
  calls.filter((c) => c.endpoint === 'startrtmp').map((c) => ((c.body ?? {}) as { mixconfig?: { output?: { audiobitrate?: number } } }).mixconfig?.output?.audiobitrate ?? null);

/** A copy of `kubeconfigPath` whose cluster server is `server`. */
function kubeconfigVia(kubeconfigPath: string, server: string): string {
  const config = JSON.parse(readFileSync(kubeconfigPath, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
  for (const c of config.clusters) c.cluster.server = server;
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'rtmp-proxied-')), 'kubeconfig');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** How often the operator's task watch was re-established after an error (from its log). */
function watchRestarts(f: OperatorFixture): number {
  return f.logs.filter((l) => l.includes('"msg":"restarting watch of rtmppushtasks"')).length;
}

describe('reconciler resilience', () => {
  let op: OperatorFixture | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await op?.close();
    op = undefined;
    await proxy?.close();
    proxy = undefined;
  });

  /** Polls until every task has been reconciled after `marks` and no reconcile began for `quietMs`. */
  async function settled(f: OperatorFixture, marks: Record<string, number>, quietMs: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    const count = (): number => Object.keys(marks).reduce((n, name) => n + f.decisions(name).length, 0);
    while (Object.entries(marks).some(([name, mark]) => f.decisions(name).length <= mark)) {
      if (Date.now() > deadline) throw new Error(`not every task was reconciled: ${JSON.stringify(Object.keys(marks).map((n) => [n, f.decisions(n).length]))}`);
      await delay(50);
    }
    let last = count();
    let since = Date.now();
    while (Date.now() - since < quietMs) {
      await delay(100);
      if (count() !== last) {
        last = count();
        since = Date.now();
      }
    }
  }

  it('an operator restart with Ready, suspended and refused tasks makes no vendor call and no write', async () => {
    const f = (op = await OperatorFixture.create({ prefix: 'rres-restart' }));
    await f.create(f.task('mixed', { taskid: 'restart-mixed' }));
    const source = f.task('source', { streamtype: 2, uid: 'u-restart', roomid: '777' });
    delete source.spec['mixconfig'];
    await f.create(source);
    await f.create(f.task('paused', { taskid: 'restart-paused', suspend: true }));
    await f.waitForCondition('mixed', 'Ready', 'True');
    await f.waitForCondition('source', 'Ready', 'True');
    await f.waitForCondition('paused', 'Synced', 'True', 'Suspended');
    // The fault hits whichever start comes next: the refused task is created on its own.
    await f.emulator.control.addFault({ endpoint: 'startrtmp', code: 2101, count: 1 });
    await f.create(f.task('refused', { taskid: 'restart-refused' }));
    await f.waitForCondition('refused', 'Synced', 'False', 'InvalidParameter');

    const names = ['mixed', 'source', 'paused', 'refused'];
    const before = await Promise.all(names.map((n) => f.get(n)));
    const callsBefore = await f.vendorCalls();
    expect(callsBefore.map((c) => `${c.endpoint} ${c.code ?? ''}`)).toEqual(['startrtmp 0', 'startrtmp 0', 'startrtmp 2101']);

    expect(await f.stop()).toBe(0);
    const marks = Object.fromEntries(names.map((n) => [n, f.decisions(n).length]));
    f.start();
    await settled(f, marks, 1_500);

    expect(await f.vendorCalls()).toEqual(callsBefore);
    const after = await Promise.all(names.map((n) => f.get(n)));
    expect(after.map((t) => t?.metadata.resourceVersion)).toEqual(before.map((t) => t?.metadata.resourceVersion));
    for (const name of names) expect(f.decisions(name).slice(marks[name]).map((d) => d.kind)).toContain('Idle');
  });

  it('keeps reconciling after its apiserver connections are cut, and picks up a change made while it could not connect', async () => {
    const f = (op = await OperatorFixture.create({ prefix: 'rres-watch', deferStart: true }));
    const server = new URL(f.kubeConfig.getCurrentCluster()?.server ?? '');
    proxy = await startTcpProxy(server.hostname, Number(server.port));
    f.start({ kubeconfig: kubeconfigVia(f.kubeconfigPath, `https://127.0.0.1:${proxy.port}`) });

    await f.create(f.task('cut', { taskid: 'cut-1' }));
    await f.waitForCondition('cut', 'Ready', 'True');
    expect(proxy.connectionsAccepted()).toBeGreaterThan(0);

    // A blip: every connection (the watches included) is dropped; the operator reconnects.
    const restartsBefore = watchRestarts(f);
    proxy.dropAll();
    await f.patchSpec('cut', { mixconfig: { output: { ...mixOutput, audiobitrate: 96 } } });
    await f.waitFor('cut', (t) => syncedAt(t, 2), 30_000, 'generation 2 synced after the drop');
    expect(starts(await f.vendorCalls())).toEqual([64, 96]);
    expect(watchRestarts(f)).toBeGreaterThan(restartsBefore);

    // An outage: connections dropped and new ones refused while the spec changes.
    proxy.pause('refuse');
    proxy.dropAll();
    await f.patchSpec('cut', { mixconfig: { output: { ...mixOutput, audiobitrate: 128 } } });
    await delay(1_500);
    expect(starts(await f.vendorCalls())).toEqual([64, 96]);
    proxy.resume();
    await f.waitFor('cut', (t) => syncedAt(t, 3), 30_000, 'generation 3 synced after the outage');
    expect(starts(await f.vendorCalls())).toEqual([64, 96, 128]);
    expect((await f.emulator.control.tasks()).map((t) => t.taskid)).toEqual(['cut-1']);
  });
});
