import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { stringifyVendorJson } from '../jocloud/json.js';
import { StatusWriteCounter } from './callback-writer.js';
import { FakeCluster, silentLogger } from './fake-cluster.test-support.js';
import { CallbackReceiver } from './receiver.js';

const TOKEN = 'receiver-token';
const CDN = 'rtmp://cdn.example.com/live/s?auth_key=abc';

const task: UnvalidatedRtmpPushTask = {
  apiVersion: 'rtmp.jocloud.com/v1alpha1',
  kind: 'RtmpPushTask',
  metadata: { namespace: 'ns', name: 'src', generation: 1 },
  spec: { roomid: '9', streamtype: 2, uid: 'u1', rtmpurls: [CDN] },
  status: {
    active: { appid: '18446744073709551615', roomid: '9', streamtype: 2, uid: 'u1' },
    conditions: [{ type: 'Synced', status: 'True', reason: 'Accepted', message: 'ok', lastTransitionTime: '2026-11-25T09:00:00Z', observedGeneration: 1 }],
  },
};

const receivers: CallbackReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.stop({ deadlineMs: 500 })));
});

async function send(url: string, status: number, version: bigint): Promise<number> {
  const body = stringifyVendorJson({ url: CDN, appname: 'live', streamname: 's', appid: 18446744073709551615n, roomid: '9', taskid: '', status, version, errcode: 0, description: '' });
  const res = await request(`${url}?token=${TOKEN}`, { method: 'POST', body });
  await res.body.dump();
  return res.statusCode;
}

describe('CallbackReceiver', () => {
  it('from HTTP to status: a source push found by address under the default appid', async () => {
    const cluster = new FakeCluster(task);
    const counter = new StatusWriteCounter();
    const terminated: string[] = [];
    const receiver = new CallbackReceiver({
      settings: { addr: '127.0.0.1:0', token: TOKEN, allowUnauthenticated: false, refreshMs: 60_000, staleMs: 300_000 },
      logger: silentLogger,
      getTask: cluster.getTask,
      isSynced: () => true,
      store: cluster,
      defaultAppid: '18446744073709551615',
      onTerminated: (k) => terminated.push(k),
      writeHooks: counter,
    });
    receivers.push(receiver);
    receiver.taskChanged(cluster.getTask('ns/src')!);
    const server = await receiver.start();

    expect(await send(server.url, 3000, 1n)).toBe(200);
    await receiver.writer.whenIdle();
    expect(cluster.current?.status).toMatchObject({ destinations: [{ url: 'rtmp://cdn.example.com/live/s?auth_key=REDACTED', state: 'Pushing', version: '1' }] });

    expect(await send(server.url, 3003, 2n)).toBe(200);
    await receiver.writer.whenIdle();
    expect(terminated).toEqual(['ns/src']);
    expect(counter.writes).toBe(2);

    receiver.taskDeleted(task);
    expect(await send(server.url, 3000, 3n)).toBe(202);
  });
});
