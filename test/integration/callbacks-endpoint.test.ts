// The operator's callback endpoint as the vendor (or an attacker) sees it over HTTP: the token gate
// (query and Bearer), 400 naming the offending field, 413 past 64 KiB, 202 for a callback no
// task claims (counted in metrics), 200 for one that lands — and the answer never waits for the
// API server (stalled here through a TCP proxy).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringifyVendorJson } from '../../src/jocloud/json.js';
import { CALLBACK_TOKEN, condition, freePort, OperatorFixture } from '../harness/operator.js';
import { injectedKubeconfigPath } from '../harness/kube.js';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';

const MAX_BODY = 64 * 1024;

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

describe('callbacks: the HTTP endpoint', () => {
  let op: OperatorFixture;
  let metricsPort: number;
  const url = 'rtmp://push.example.com/live/ep?auth_key=secret-ep';

  beforeAll(async () => {
    metricsPort = await freePort();
    op = await OperatorFixture.create({ prefix: 'cb-endpoint', settings: { metricsAddr: `127.0.0.1:${metricsPort}` } });
    await op.create(op.task('ep', { taskid: 'cb-ep', rtmpurls: [url] }));
    await op.waitForCondition('ep', 'Ready', 'True');
  });
  afterAll(async () => {
    await op.close();
  });

  /** A callback body for the task above, as the vendor would send it (appid/version as JSON numbers). */
  function callback(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      url,
      appname: 'live',
      streamname: 'ep',
      appid: BigInt(op.appid),
      roomid: '123',
      taskid: 'cb-ep',
      status: 3000,
      version: 1n,
      errcode: 0,
      description: 'Normal stream pushing',
      ...overrides,
    };
  }

  async function post(body: string, opts: { query?: string; headers?: Record<string, string>; path?: string; method?: string } = {}): Promise<Answer> {
    const target = `${op.callbackUrl().replace('/jocloud/callback', opts.path ?? '/jocloud/callback')}${opts.query ?? `?token=${CALLBACK_TOKEN}`}`;
    const res = await fetch(target, {
      method: opts.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...opts.headers },
      ...(opts.method === 'GET' ? {} : { body }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  async function metric(line: RegExp): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    for (const l of text.split('\n')) {
      if (line.test(l)) return Number(l.slice(l.lastIndexOf(' ') + 1));
    }
    return 0;
  }

  it.each([
    { reason: 'no token at all', query: '', headers: {} },
    { reason: 'an empty token', query: '?token=', headers: {} },
    { reason: 'a wrong token in the query', query: '?token=not-the-token', headers: {} },
    { reason: 'the token with a suffix', query: `?token=${CALLBACK_TOKEN}x`, headers: {} },
    { reason: 'a wrong Bearer token', query: '', headers: { authorization: 'Bearer not-the-token' } },
    { reason: 'the right token as Basic, not Bearer', query: '', headers: { authorization: `Basic ${CALLBACK_TOKEN}` } },
    { reason: 'the right token in another query parameter', query: `?access_token=${CALLBACK_TOKEN}`, headers: {} },
  ])('answers 401 for $reason', async ({ query, headers }) => {
    const before = await metric(/^rtmp_callbacks_rejected_total\{reason="unauthorized"\}/);
    const res = await post(stringifyVendorJson(callback()), { query, headers });
    expect(res.status).toBe(401);
    expect(await metric(/^rtmp_callbacks_rejected_total\{reason="unauthorized"\}/)).toBe(before + 1);
  });

  it.each([
    { reason: 'the token in the query', query: `?token=${CALLBACK_TOKEN}`, headers: {} },
    { reason: 'the token as Bearer', query: '', headers: { authorization: `Bearer ${CALLBACK_TOKEN}` } },
  ])('accepts $reason', async ({ query, headers }) => {
    const res = await post(stringifyVendorJson(callback({ version: 10n })), { query, headers });
    expect(res).toEqual({ status: 200, body: { code: 0 } });
  });

  it.each([
    { reason: 'not JSON', body: '{"url": "rtmp://x/y",', path: '', rule: /JSON object/ },
    { reason: 'a JSON array', body: '[]', path: '', rule: /JSON object/ },
    { reason: 'JSON null', body: 'null', path: '', rule: /JSON object/ },
    { reason: 'an empty body', body: '', path: '', rule: /JSON object/ },
    { reason: 'no version', body: () => without('version'), path: 'version', rule: /./ },
    { reason: 'no appid', body: () => without('appid'), path: 'appid', rule: /./ },
    { reason: 'no roomid', body: () => without('roomid'), path: 'roomid', rule: /./ },
    { reason: 'no url', body: () => without('url'), path: 'url', rule: /./ },
    { reason: 'a status outside 3000-3003', body: () => stringifyVendorJson(callback({ status: 3004 })), path: 'status', rule: /3003/ },
    { reason: 'a negative version', body: () => stringifyVendorJson(callback({ version: -1n })), path: 'version', rule: /./ },
    { reason: 'an appid above uint64', body: () => stringifyVendorJson(callback({ appid: 2n ** 64n })), path: 'appid', rule: /./ },
  ])('answers 400 naming the field for $reason', async ({ body, path, rule }) => {
    const res = await post(typeof body === 'string' ? body : body());
    expect(res.status).toBe(400);
    expect(res.body['path']).toBe(path);
    expect(res.body['rule']).toMatch(rule);
  });

  function without(field: string): string {
    const body = callback();
    delete body[field];
    return stringifyVendorJson(body);
  }

  it('answers 413 for a body over 64 KiB, and still takes one of exactly 64 KiB', async () => {
    const pad = (size: number): string => {
      const base = stringifyVendorJson(callback({ version: 20n, description: '' }));
      return stringifyVendorJson(callback({ version: 20n, description: 'x'.repeat(size - base.length) }));
    };
    const exact = pad(MAX_BODY);
    expect(Buffer.byteLength(exact)).toBe(MAX_BODY);
    expect((await post(exact)).status).toBe(200);

    const over = pad(MAX_BODY + 1);
    expect(Buffer.byteLength(over)).toBe(MAX_BODY + 1);
    const res = await post(over);
    expect(res.status).toBe(413);
    expect(String(res.body['error'])).toContain('65536');

    // Far over: refused from Content-Length alone.
    expect((await post(`{"description":"${'x'.repeat(2 * 1024 * 1024)}"}`)).status).toBe(413);
  });

  it('answers 202 for a callback no RtmpPushTask claims, and counts it', async () => {
    const before = await metric(/^rtmp_callbacks_rejected_total\{reason="unknown-task"\}/);
    const res = await post(stringifyVendorJson(callback({ taskid: 'nobody-has-this', version: 30n })));
    expect(res.status).toBe(202);
    expect(res.body['code']).toBe(0);
    const otherRoom = await post(stringifyVendorJson(callback({ roomid: '999', version: 31n })));
    expect(otherRoom.status).toBe(202);
    expect(await metric(/^rtmp_callbacks_rejected_total\{reason="unknown-task"\}/)).toBe(before + 2);
  });

  it('answers 404 off the path and 405 to other methods', async () => {
    expect((await post(stringifyVendorJson(callback()), { path: '/callback' })).status).toBe(404);
    expect((await post('', { method: 'GET' })).status).toBe(405);
  });

  it('never logs the token or the auth key', () => {
    const logs = op.logs.join('\n');
    expect(logs).toContain('callback');
    expect(logs).not.toContain(CALLBACK_TOKEN);
    expect(logs).not.toContain('secret-ep');
  });
});

describe('callbacks: the answer does not wait on Kubernetes', () => {
  let op: OperatorFixture;
  let proxy: TcpProxy;

  beforeAll(async () => {
    // The operator (not the test's own client) reaches the API server through a proxy the test can stall.
    const kc = new KubeConfig();
    kc.loadFromFile(injectedKubeconfigPath());
    const server = new URL(kc.getCurrentCluster()?.server ?? '');
    proxy = await startTcpProxy(server.hostname, Number(server.port));
    const config = JSON.parse(kc.exportConfig()) as { clusters: Array<{ cluster: { server: string } }> };
    for (const c of config.clusters) c.cluster.server = `https://127.0.0.1:${proxy.port}`;
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'cb-proxied-')), 'kubeconfig.json');
    await writeFile(file, JSON.stringify(config), { mode: 0o600 });
    op = await OperatorFixture.create({ prefix: 'cb-stalled', settings: { kubeconfig: file } });
  });
  afterAll(async () => {
    proxy.resume();
    await op.close();
    await proxy.close();
  });

  it('answers at once while the API server is unreachable, and writes once it is back', async () => {
    const url = 'rtmp://push.example.com/live/stalled';
    await op.create(op.task('stalled', { taskid: 'cb-stalled', rtmpurls: [url] }));
    await op.waitForCondition('stalled', 'Ready', 'True');

    proxy.pause('hold');
    try {
      const started = Date.now();
      const r = await op.emulator.control.sendCallback({ appid: op.appid, roomid: '123', taskid: 'cb-stalled', url, status: 3002, errcode: 1001 });
      expect(r).toMatchObject({ delivered: true, attempts: 1, httpStatus: 200 });
      expect(Date.now() - started).toBeLessThan(1_000);
      await delay(1_000);
      expect(condition(await op.get('stalled'), 'Streaming')?.status).toBe('True');
    } finally {
      proxy.resume();
    }
    await op.waitForCondition('stalled', 'Streaming', 'False', 'Interrupted', 30_000);
  });
});
