import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Readable, Writable } from 'node:stream';
import pino from 'pino';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { PushStatusCallback } from '../jocloud/wire.js';
import { CallbackWriter } from './callback-writer.js';
import { FakeCluster, silentLogger } from './fake-cluster.test-support.js';
import { callbackRouter } from './router.js';
import { MAX_CALLBACK_BODY_BYTES, MAX_DISCARDED_BODY_BYTES, startCallbackServer, type CallbackResult, type CallbackServer, type CallbackServerOptions, type RejectReason } from './server.js';
import { TaskIndex } from './task-index.js';

const TOKEN = 's3cret-callback-token';
const AUTH_KEY = '1585626386-0-0-8032e26583c58344e43cce3e251173b7';
const CDN = `rtmp://upstream.example.com/live/test?auth_key=${AUTH_KEY}`;

const body = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  url: CDN,
  appname: 'live',
  streamname: 'test',
  appid: 1470236061,
  roomid: '123',
  taskid: 'biz007',
  status: 3000,
  version: 17,
  errcode: 0,
  description: 'ok',
  ...over,
});

const servers: CallbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Harness {
  server: CallbackServer;
  received: PushStatusCallback[];
  rejected: RejectReason[];
  accepted: number[];
  unknown: number;
}

async function start(over: Partial<CallbackServerOptions> & { result?: CallbackResult } = {}): Promise<Harness> {
  const h: Harness = { server: undefined as unknown as CallbackServer, received: [], rejected: [], accepted: [], unknown: 0 };
  h.server = await startCallbackServer({
    addr: '127.0.0.1:0',
    token: TOKEN,
    logger: silentLogger,
    onCallback: (cb) => {
      h.received.push(cb);
      return over.result ?? 'accepted';
    },
    metrics: { accepted: (s) => h.accepted.push(s), rejected: (r) => h.rejected.push(r), unknownTask: () => (h.unknown += 1) },
    ...over,
  });
  servers.push(h.server);
  return h;
}

async function post(
  url: string,
  payload: string | Buffer | Readable,
  headers: Record<string, string> = {},
  method: 'POST' | 'GET' | 'PUT' = 'POST',
): Promise<{ status: number; json: unknown; headers: Record<string, unknown> }> {
  const headerList = { 'content-type': 'application/json', ...headers };
  const res = method === 'GET' ? await request(url, { method, headers: headerList }) : await request(url, { method, headers: headerList, body: payload });
  const text = await res.body.text();
  return { status: res.statusCode, json: text === '' ? undefined : (JSON.parse(text) as unknown), headers: res.headers };
}

const withToken = (server: CallbackServer, token = TOKEN): string => `${server.url}?token=${encodeURIComponent(token)}`;

describe('callback server: authentication', () => {
  it.each<[string, (s: CallbackServer) => string, Record<string, string>, number]>([
    ['token in the query', (s) => withToken(s), {}, 200],
    ['bearer token', (s) => s.url, { authorization: `Bearer ${TOKEN}` }, 200],
    ['bearer scheme in lower case', (s) => s.url, { authorization: `bearer ${TOKEN}` }, 200],
    ['wrong query token', (s) => withToken(s, 'guess'), {}, 401],
    ['query token with a prefix of the real one', (s) => withToken(s, TOKEN.slice(0, -1)), {}, 401],
    ['wrong bearer token', (s) => s.url, { authorization: 'Bearer guess' }, 401],
    ['basic credentials are not a bearer token', (s) => s.url, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }, 401],
    ['no token at all', (s) => s.url, {}, 401],
    ['empty query token', (s) => `${s.url}?token=`, {}, 401],
  ])('%s', async (_reason, target, headers, expected) => {
    const h = await start();
    const res = await post(target(h.server), JSON.stringify(body()), headers);
    expect(res.status).toBe(expected);
    expect(h.received).toHaveLength(expected === 200 ? 1 : 0);
    if (expected === 401) {
      expect(res.json).toBeUndefined();
      expect(h.rejected).toEqual(['unauthorized']);
    }
  });

  it('refuses to start without a token', async () => {
    await expect(start({ token: undefined })).rejects.toThrow(/needs a token/);
    await expect(start({ token: '' })).rejects.toThrow(/needs a token/);
  });

  it('serves without a token only when allowUnauthenticated is explicit', async () => {
    const h = await start({ token: undefined, allowUnauthenticated: true });
    expect((await post(h.server.url, JSON.stringify(body()))).status).toBe(200);
  });
});

describe('callback server: requests it refuses', () => {
  it.each<[string, Record<string, unknown> | string, string]>([
    ['not JSON', '{"url":', ''],
    ['JSON but not an object', '[1,2]', ''],
    ['status missing', body({ status: undefined }), 'status'],
    ['status outside 3000-3003', body({ status: 4000 }), 'status'],
    ['appid as a string', body({ appid: '1470236061' }), 'appid'],
    ['negative version', body({ version: -1 }), 'version'],
    ['url missing', body({ url: undefined }), 'url'],
    ['errcode not an integer', body({ errcode: 1.5 }), 'errcode'],
  ])('400 naming the field: %s', async (_reason, payload, path) => {
    const h = await start();
    const res = await post(withToken(h.server), typeof payload === 'string' ? payload : JSON.stringify(payload));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid callback', path });
    expect((res.json as { rule: string }).rule).not.toBe('');
    expect(h.received).toHaveLength(0);
    expect(h.rejected).toEqual(['invalid-body']);
  });

  it('413 for a body just over 64 KiB', async () => {
    const h = await start();
    const res = await post(withToken(h.server), Buffer.alloc(MAX_CALLBACK_BODY_BYTES + 1, 0x20));
    expect(res.status).toBe(413);
    expect(h.rejected).toEqual(['too-large']);
    expect(h.received).toHaveLength(0);
  });

  it('413 at once, before any body byte, for a declared length past what it would discard', async () => {
    const h = await start();
    const { status, connection } = await new Promise<{ status: number | undefined; connection: string | undefined }>((resolve, reject) => {
      const req = httpRequest(withToken(h.server), { method: 'POST', headers: { 'content-length': String(MAX_DISCARDED_BODY_BYTES + 1) } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode, connection: res.headers.connection });
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders(); // headers only: the answer must not wait for the body
    });
    expect(status).toBe(413);
    expect(connection).toBe('close');
  });

  it('cuts off a body that never ends instead of reading it forever', async () => {
    const h = await start();
    let written = 0;
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(withToken(h.server), { method: 'POST' }, (res) => {
        res.resume();
        resolve(`HTTP ${res.statusCode}`);
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (written < 256 * 1024 * 1024 && !req.destroyed) {
          written += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
    // The server either answered 413 or reset the connection; either way it stopped reading far
    // before the client ran out of data to send.
    expect(['HTTP 413', 'ECONNRESET', 'EPIPE']).toContain(outcome);
    expect(written).toBeLessThan(256 * 1024 * 1024);
    expect(h.rejected).toEqual(['too-large']);
  });

  it('413 for a streamed body (no Content-Length) once it crosses 64 KiB', async () => {
    const h = await start();
    async function* chunks(): AsyncIterable<Buffer> {
      for (let i = 0; i < 5; i++) {
        // Separate writes, so the server sees the body arrive in pieces.
        await new Promise((r) => setImmediate(r));
        yield Buffer.alloc(16 * 1024 + 1, 0x20);
      }
    }
    const res = await post(withToken(h.server), Readable.from(chunks()));
    expect(res.status).toBe(413);
    expect(h.rejected).toEqual(['too-large']);
  });

  it('accepts a body of exactly 64 KiB', async () => {
    const h = await start();
    const json = JSON.stringify(body());
    const padded = json + ' '.repeat(MAX_CALLBACK_BODY_BYTES - Buffer.byteLength(json));
    expect((await post(withToken(h.server), padded)).status).toBe(200);
  });

  it.each<['GET' | 'PUT', number]>([
    ['GET', 405],
    ['PUT', 405],
  ])('%s → %i with Allow: POST', async (method, status) => {
    const h = await start();
    const res = await post(withToken(h.server), JSON.stringify(body()), {}, method);
    expect(res.status).toBe(status);
    expect(res.headers.allow).toBe('POST');
  });

  it.each(['/', '/jocloud/callback/extra', '/jocloud/callbacks', '/metrics'])('404 for %s', async (path) => {
    const h = await start();
    const res = await post(`${new URL(h.server.url).origin}${path}?token=${TOKEN}`, JSON.stringify(body()));
    expect(res.status).toBe(404);
  });

  it('404 for a request target that is not a URL, and keeps serving', async () => {
    const h = await start();
    const statusLine = await new Promise<string>((resolve, reject) => {
      const sock = connect(h.server.port, '127.0.0.1');
      sock.on('error', reject);
      sock.once('data', (d: Buffer) => {
        resolve(d.toString().split('\r\n')[0] ?? '');
        sock.destroy();
      });
      sock.write('POST http://[ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    });
    expect(statusLine).toBe('HTTP/1.1 404 Not Found');
    expect((await post(withToken(h.server), JSON.stringify(body()))).status).toBe(200);
  });

  it('503 (so the vendor retries) until the task cache has synced', async () => {
    let ready = false;
    const h = await start({ isReady: () => ready });
    expect((await post(withToken(h.server), JSON.stringify(body()))).status).toBe(503);
    ready = true;
    expect((await post(withToken(h.server), JSON.stringify(body()))).status).toBe(200);
  });

  it('500 when applying the callback throws', async () => {
    const h = await start({
      onCallback: () => {
        throw new Error('boom');
      },
    });
    expect((await post(withToken(h.server), JSON.stringify(body()))).status).toBe(500);
  });
});

describe('callback server: accepted callbacks', () => {
  it('hands over the callback with uint64 appid and version exact, whatever the Content-Type', async () => {
    const h = await start();
    const raw = JSON.stringify(body()).replace('"appid":1470236061', '"appid":18446744073709551615').replace('"version":17', '"version":18446744073709551614');
    const res = await post(withToken(h.server), raw, { 'content-type': 'text/plain; charset=GBK' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ code: 0 });
    expect(h.received[0]).toMatchObject({ appid: 18446744073709551615n, version: 18446744073709551614n, url: CDN, status: 3000 });
    expect(h.accepted).toEqual([3000]);
  });

  it('202 for a callback that matches no task', async () => {
    const h = await start({ result: 'unknown-task' });
    const res = await post(withToken(h.server), JSON.stringify(body()));
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ code: 0 });
    expect(h.unknown).toBe(1);
    expect(h.accepted).toEqual([]);
  });

  it('keeps connections alive across callbacks', async () => {
    const h = await start();
    const first = await post(withToken(h.server), JSON.stringify(body()));
    expect(first.headers.connection).toBe('keep-alive');
  });

  it('answers without waiting for Kubernetes: the status write hangs, replies do not', async () => {
    const task: UnvalidatedRtmpPushTask = {
      metadata: { namespace: 'ns', name: 't' },
      spec: { appid: '1470236061', roomid: '123', streamtype: 1, taskid: 'biz007', rtmpurls: [CDN] },
      status: { active: { appid: '1470236061', roomid: '123', streamtype: 1, taskid: 'biz007' } },
    };
    const cluster = new FakeCluster(task);
    cluster.hang = true;
    const index = new TaskIndex();
    index.upsert(task);
    const writer = new CallbackWriter({ getTask: cluster.getTask, store: cluster, logger: silentLogger, refreshMs: 60_000, staleMs: 300_000 });
    writer.start();
    const h = await start({ onCallback: callbackRouter(index, writer) });
    const t0 = performance.now();
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => post(withToken(h.server), JSON.stringify(body({ version: 100 + i }))).then((r) => r.status)));
    expect(statuses).toEqual(Array.from({ length: 20 }, () => 200));
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(cluster.patches.length).toBeGreaterThanOrEqual(1); // the write started and is hanging
    const unknown = await post(withToken(h.server), JSON.stringify(body({ taskid: 'other' })));
    expect(unknown.status).toBe(202);
    void writer.shutdown({ deadlineMs: 0 });
  });
});

describe('callback server: logs', () => {
  it('never contain the token or the auth_key of an address', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ level: 'trace' }, sink);
    const h = await start({ logger, result: 'unknown-task' });
    await post(withToken(h.server), JSON.stringify(body()));
    await post(withToken(h.server, `${TOKEN}x`), JSON.stringify(body()));
    await post(withToken(h.server), JSON.stringify(body({ status: 9 })));
    await post(h.server.url, JSON.stringify(body()), { authorization: `Bearer ${TOKEN}` });
    const all = lines.join('');
    expect(all).toContain('callback for no known RtmpPushTask');
    expect(all).toContain('auth_key=REDACTED');
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(AUTH_KEY);
  });
});

describe('callback server: close', () => {
  it('waits for a callback in flight, then closes its kept-alive connection instead of waiting for the keep-alive timeout', async () => {
    const h = await start();
    const payload = JSON.stringify(body());
    const sock = connect(h.server.port, '127.0.0.1');
    const socketClosed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
    const answered = new Promise<string>((resolve) => sock.once('data', (d: Buffer) => resolve(d.toString().split('\r\n')[0] ?? '')));
    // Half the body: the request is in flight when close() is called (a moment later, so that the
    // server has read the headers; a connection without a request is idle and closed at once).
    sock.write(`POST /jocloud/callback?token=${TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload.slice(0, 10)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = h.server.close();
    sock.write(payload.slice(10));
    expect(await answered).toBe('HTTP/1.1 200 OK');
    await closing;
    await socketClosed;
    expect(h.received).toHaveLength(1);
  });
});
