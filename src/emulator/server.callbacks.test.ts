// Push-status callbacks from the emulator to a real local HTTP receiver.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { vendorSampleStartRequest, vendorSampleStopRequest } from '../../test/fixtures/vendor-rules.js';
import { JocloudClient } from '../jocloud/client.js';
import { parseVendorJson } from '../jocloud/json.js';
import { pushStatusCallbackSchema, type PushStatusCallback, type StartRtmpRequest } from '../jocloud/wire.js';
import { devAccount } from './accounts.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from './server.js';

const creds = { restfulId: devAccount.restfulId, restfulSecret: devAccount.restfulSecret };
const a = 'rtmp://cdn-a.example.com/live/s1?auth_key=1585626386-0-0-8032e26583c58344e43cce3e251173b7';
const b = 'rtmp://cdn-b.example.com/app/s2';
const c = 'rtmp://cdn-c.example.com/live/s3';
const mixed = (rtmpurl: string): StartRtmpRequest => ({ ...vendorSampleStartRequest, rtmpurl });

interface Received {
  readonly raw: string;
  readonly path: string;
  readonly callback: PushStatusCallback;
}

/** A callback receiver: records what arrives; `respond` decides the answer (default 200). */
class Receiver {
  received: Received[] = [];
  respond: (res: ServerResponse, n: number) => void = (res) => res.writeHead(200).end('ok');
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        this.received.push({ raw, path: req.url ?? '', callback: pushStatusCallbackSchema.parse(parseVendorJson(raw)) });
        this.respond(res, this.received.length);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/callbacks/jocloud?token=cb-secret`;
  }

  for(url: string): PushStatusCallback[] {
    return this.received.map((r) => r.callback).filter((cb) => cb.url === url);
  }

  async waitFor(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.received.map((r) => [r.callback.url, r.callback.status]))}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const receiver = new Receiver();
const running: RunningEmulator[] = [];
const clients: JocloudClient[] = [];

async function emulator(opts: Partial<EmulatorOptions> = {}): Promise<{ emu: RunningEmulator; client: JocloudClient }> {
  const emu = await startEmulator({ callbackUrl: receiver.url, callbackIntervalMs: 60_000, eventCallbackDelayMs: 10, callbackRetryDelaysMs: [20, 20], ...opts });
  const client = new JocloudClient({ endpoint: emu.url });
  running.push(emu);
  clients.push(client);
  return { emu, client };
}

beforeAll(() => receiver.start());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((cl) => cl.close()));
  await Promise.all(running.splice(0).map((e) => e.close()));
  receiver.received = [];
  receiver.respond = (res) => res.writeHead(200).end('ok');
});
afterAll(() => receiver.stop());

describe('callbacks after API calls', () => {
  it('sends 3000 for each address soon after a start, with the page fields', async () => {
    const { client } = await emulator();
    await client.startRtmp(mixed(`${a},${b}`), creds);
    await receiver.waitFor('two 3000s', () => receiver.received.length === 2);
    expect(receiver.for(a)[0]).toEqual({
      url: a,
      appname: 'live',
      streamname: 's1',
      appid: 1470236061n,
      roomid: '123',
      taskid: 'biz007',
      status: 3000,
      version: expect.any(BigInt) as bigint,
      errcode: 0,
      description: 'Normal stream pushing',
    });
    expect(receiver.for(b)[0]).toMatchObject({ appname: 'app', streamname: 's2', status: 3000 });
  });

  it('POSTs JSON with appid and version as JSON numbers, to the URL as configured', async () => {
    const { client } = await emulator();
    await client.startRtmp(mixed(b), creds);
    await receiver.waitFor('a callback', () => receiver.received.length === 1);
    const { raw, path } = receiver.received[0]!;
    expect(path).toBe('/callbacks/jocloud?token=cb-secret');
    expect(raw).toMatch(/"appid":1470236061,/);
    expect(raw).toMatch(/"version":\d+,/);
  });

  it('answers the API call before any callback is delivered', async () => {
    let release: () => void = () => undefined;
    receiver.respond = (res) => {
      release = () => res.writeHead(200).end();
    };
    const { client } = await emulator({ eventCallbackDelayMs: 0, callbackTimeoutMs: 10_000 });
    const started = Date.now();
    await client.startRtmp(mixed(b), creds);
    await client.stopRtmp(vendorSampleStopRequest, creds);
    expect(Date.now() - started).toBeLessThan(1_000);
    release();
  });

  it('on a full-mode update sends 3003 for removed addresses and 3000 for new ones, nothing for kept ones', async () => {
    const { client } = await emulator();
    await client.startRtmp(mixed(`${a},${b}`), creds);
    await receiver.waitFor('initial 3000s', () => receiver.received.length === 2);
    receiver.received = [];
    await client.startRtmp(mixed(`${b},${c}`), creds);
    await receiver.waitFor('update callbacks', () => receiver.received.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.received.map((r) => [r.callback.url, r.callback.status, r.callback.errcode])).toEqual(
      expect.arrayContaining([
        [a, 3003, 2001],
        [c, 3000, 0],
      ]),
    );
    expect(receiver.for(b)).toEqual([]);
  });

  it('sends 3003 for every address on stop', async () => {
    const { client } = await emulator();
    await client.startRtmp(mixed(`${a},${b}`), creds);
    await receiver.waitFor('initial 3000s', () => receiver.received.length === 2);
    await client.stopRtmp(vendorSampleStopRequest, creds);
    await receiver.waitFor('two 3003s', () => receiver.received.filter((r) => r.callback.status === 3003).length === 2);
    expect(receiver.received.filter((r) => r.callback.status === 3003).map((r) => r.callback.url).sort()).toEqual([a, b].sort());
  });

  it('reports the request taskid of a source push, or ""', async () => {
    const { client } = await emulator();
    await client.startRtmp({ appid: 1470236061n, roomid: '123', rtmpurl: c, streamtype: 2, uid: '111' }, creds);
    await receiver.waitFor('a 3000', () => receiver.received.length === 1);
    expect(receiver.received[0]!.callback).toMatchObject({ taskid: '', roomid: '123', url: c });
  });
});

describe('periodic callbacks', () => {
  it('repeats the current state of each live address with strictly increasing versions', async () => {
    const { client } = await emulator({ callbackIntervalMs: 50 });
    await client.startRtmp(mixed(`${a},${b}`), creds);
    await receiver.waitFor('four callbacks per address', () => receiver.for(a).length >= 4 && receiver.for(b).length >= 4);
    for (const url of [a, b]) {
      const versions = receiver.for(url).map((cb) => cb.version);
      for (let i = 1; i < versions.length; i++) expect(versions[i]! > versions[i - 1]!).toBe(true);
      expect(receiver.for(url).every((cb) => cb.status === 3000)).toBe(true);
    }
  });

  it('stops repeating once the task is stopped', async () => {
    const { client, emu } = await emulator();
    await client.startRtmp(mixed(a), creds);
    await client.stopRtmp(vendorSampleStopRequest, creds);
    await receiver.waitFor('3000 and 3003', () => receiver.received.length === 2);
    await emu.control.tick();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.received).toHaveLength(2);
  });

  it('repeats an address state set through the control API', async () => {
    const { client, emu } = await emulator();
    await client.startRtmp(mixed(`${a},${b}`), creds);
    await receiver.waitFor('initial 3000s', () => receiver.received.length === 2);
    const set = await emu.control.setDestination({ url: a, status: 3002, errcode: 1003, description: 'RTMP push rejected' });
    expect(set).toMatchObject({ url: a, status: 3002, errcode: 1003, liveIn: 1 });
    await receiver.waitFor('an immediate 3002', () => receiver.for(a).some((cb) => cb.status === 3002));
    await emu.control.tick();
    await receiver.waitFor('a repeated 3002 and a 3000 for b', () => receiver.for(a).filter((cb) => cb.status === 3002).length === 2 && receiver.for(b).length === 2);
    expect(receiver.for(a).at(-1)).toMatchObject({ status: 3002, errcode: 1003, description: 'RTMP push rejected' });
    expect(receiver.for(b).at(-1)).toMatchObject({ status: 3000 });
    const [task] = await emu.control.tasks();
    expect(task!.addresses.find((x) => x.url === a)).toMatchObject({ status: 3002, errcode: 1003, terminated: false });
  });

  it('sends one 3003 when an address is terminated, then no more for it', async () => {
    const { client, emu } = await emulator();
    await client.startRtmp(mixed(`${a},${b}`), creds);
    await receiver.waitFor('initial 3000s', () => receiver.received.length === 2);
    await emu.control.setDestination({ url: a, status: 3003, errcode: 1001, description: 'TCP connection break' });
    await receiver.waitFor('a 3003', () => receiver.for(a).some((cb) => cb.status === 3003));
    await emu.control.tick();
    await receiver.waitFor('a second 3000 for b', () => receiver.for(b).length === 2);
    expect(receiver.for(a).map((cb) => cb.status)).toEqual([3000, 3003]);
    const [task] = await emu.control.tasks();
    expect(task!.addresses.find((x) => x.url === a)).toMatchObject({ status: 3003, terminated: true });
  });
});

describe('one-off callbacks', () => {
  it('sends exactly what it is given, uint64 max included', async () => {
    const { emu } = await emulator();
    const result = await emu.control.sendCallback({
      appid: '18446744073709551615',
      roomid: 'r',
      taskid: 't',
      url: c,
      status: 3001,
      errcode: 2002,
      description: 'no data',
      version: 18446744073709551615n,
    });
    expect(result).toMatchObject({ delivered: true, attempts: 1, httpStatus: 200, version: '18446744073709551615' });
    expect(receiver.received[0]!.raw).toContain('"appid":18446744073709551615,');
    expect(receiver.received[0]!.raw).toContain('"version":18446744073709551615,');
    expect(receiver.received[0]!.callback).toMatchObject({ appid: 18446744073709551615n, version: 18446744073709551615n, status: 3001, errcode: 2002, taskid: 't' });
  });

  it('keeps later automatic versions above a hand-sent one', async () => {
    const { emu, client } = await emulator();
    const high = BigInt(Date.now()) * 1000n + 10_000_000n;
    await emu.control.sendCallback({ appid: '1470236061', roomid: '123', url: c, status: 3000, version: high });
    await client.startRtmp(mixed(c), creds);
    await receiver.waitFor('the start callback', () => receiver.received.length === 2);
    expect(receiver.received[1]!.callback.version > high).toBe(true);
  });

  it('rejects a malformed request with HTTP 400', async () => {
    const { emu } = await emulator();
    await expect(emu.control.sendCallback({ appid: 'x', roomid: 'r', url: c, status: 3000 })).rejects.toMatchObject({ status: 400 });
  });

  it('reports that no callback URL is configured', async () => {
    const { emu } = await emulator({ callbackUrl: undefined });
    expect(await emu.control.sendCallback({ appid: '1', roomid: 'r', url: c, status: 3000 })).toMatchObject({ delivered: false, attempts: 0, error: 'no callback URL configured' });
  });
});

describe('delivery', () => {
  it('retries a failing receiver and counts the failed attempts', async () => {
    receiver.respond = (res, n) => res.writeHead(n <= 2 ? 503 : 200).end();
    const { emu } = await emulator();
    const result = await emu.control.sendCallback({ appid: '1', roomid: 'r', url: c, status: 3000 });
    expect(result).toMatchObject({ delivered: true, attempts: 3, httpStatus: 200 });
    expect((await emu.control.callbackLog()).stats).toMatchObject({ delivered: 1, failedAttempts: 2, dropped: 0 });
  });

  it('gives up after the bounded retries', async () => {
    receiver.respond = (res) => res.writeHead(500).end();
    const { emu } = await emulator();
    const result = await emu.control.sendCallback({ appid: '1', roomid: 'r', url: c, status: 3000 });
    expect(result).toMatchObject({ delivered: false, attempts: 3, httpStatus: 500, error: 'HTTP 500' });
    expect(receiver.received).toHaveLength(3);
    const log = await emu.control.callbackLog();
    expect(log.stats).toMatchObject({ delivered: 0, failedAttempts: 3, dropped: 1 });
    expect(log.callbackUrl).toContain('token=REDACTED');
    expect(log.callbackUrl).not.toContain('cb-secret');
  });

  it('times out a receiver that does not answer', async () => {
    receiver.respond = () => undefined;
    const { emu } = await emulator({ callbackTimeoutMs: 100, callbackRetryDelaysMs: [] });
    const started = Date.now();
    const result = await emu.control.sendCallback({ appid: '1', roomid: 'r', url: c, status: 3000 });
    expect(result).toMatchObject({ delivered: false, attempts: 1, httpStatus: null });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('redacts auth_key in the delivery log', async () => {
    const { emu } = await emulator();
    await emu.control.sendCallback({ appid: '1', roomid: 'r', url: a, status: 3000 });
    const log = await emu.control.callbackLog();
    expect(log.recent[0]!.url).toBe('rtmp://cdn-a.example.com/live/s1?auth_key=REDACTED');
  });
});
