// KubeClients against a plain-HTTP fake apiserver: one connection for every kind of call, fresh
// credentials on each request, and a deadline on every call except a watch.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestOptions } from './kube-client.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, KubeClients, KubeTimeoutError } from './kube-clients.js';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly auth: string | undefined;
  readonly socket: number;
}

describe('KubeClients', () => {
  let server: Server;
  let kubeConfig: KubeConfig;
  let clients: KubeClients;
  let seen: Seen[];
  let connections: number;
  let handler: (req: IncomingMessage, res: ServerResponse) => void;
  const sockets = new WeakMap<object, number>();

  beforeEach(async () => {
    seen = [];
    connections = 0;
    handler = (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"x"}}');
    };
    server = createServer((req, res) => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', auth: req.headers.authorization, socket: sockets.get(req.socket) ?? -1 });
      handler(req, res);
    });
    server.on('connection', (socket) => sockets.set(socket, ++connections));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser(
      { name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prefix`, skipTLSVerify: true },
      { name: 'u', token: 'token-1' },
    );
    clients = KubeClients.for(kubeConfig);
  });

  /** Waits for the fake apiserver to receive `n` requests (setImmediate: real even under fake timers). */
  async function arrived(n: number): Promise<void> {
    while (seen.length < n) await new Promise((r) => setImmediate(r));
  }

  afterEach(async () => {
    vi.useRealTimers();
    server.closeAllConnections();
    await clients.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('is one instance per KubeConfig', () => {
    expect(KubeClients.for(kubeConfig)).toBe(clients);
    const other = new KubeConfig();
    other.loadFromString(kubeConfig.exportConfig());
    expect(KubeClients.for(other)).not.toBe(clients);
  });

  it('sends generated-client calls and raw requests over kept-alive connections', async () => {
    const core = clients.makeApiClient(CoreV1Api);
    for (let round = 0; round < 5; round++) {
      await core.readNamespace({ name: 'x' });
      await clients.request({ method: 'GET', path: '/api/v1/namespaces/x' });
      await core.patchNamespace({ name: 'x', body: { metadata: { labels: { a: 'b' } } } });
      const watch = await clients.stream('/api/v1/namespaces?watch=true', AbortSignal.timeout(5_000));
      await text(watch.body);
    }
    expect(seen.slice(0, 4).map((s) => `${s.method} ${s.path}`)).toEqual([
      'GET /prefix/api/v1/namespaces/x',
      'GET /prefix/api/v1/namespaces/x',
      'PATCH /prefix/api/v1/namespaces/x',
      'GET /prefix/api/v1/namespaces?watch=true',
    ]);
    // 20 calls one after the other; a connection is released a moment after its answer is read,
    // so a second one may open, but no more (client-node alone opens one per call).
    expect(seen).toHaveLength(20);
    expect(connections).toBeLessThanOrEqual(2);
  });

  it('reads the credentials for every request, so a rotated token is used at once', async () => {
    await clients.request({ method: 'GET', path: '/api' });
    const user = kubeConfig.getCurrentUser();
    if (user === null) throw new Error('no user');
    (user as { token?: string }).token = 'token-2';
    await clients.request({ method: 'GET', path: '/api' });
    expect(seen.map((s) => s.auth)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('gives up on a call that gets no answer once the default deadline passes', async () => {
    handler = () => undefined; // never answers: a hung apiserver or a half-open connection
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const core = clients.makeApiClient(CoreV1Api);
    const call = core.readNamespace({ name: 'x' }).then(
      () => 'answered',
      (error: unknown) => error,
    );
    await arrived(1);
    await vi.advanceTimersByTimeAsync(DEFAULT_REQUEST_TIMEOUT_MS - 1);
    const early = await Promise.race([call, Promise.resolve('pending')]);
    expect(early).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    const outcome = await call;
    expect(outcome).toBeInstanceOf(KubeTimeoutError);
    expect(String(outcome)).toContain('GET /prefix/api/v1/namespaces/x: no answer within 30000 ms');
  });

  it('bounds the body too: headers then silence still time out', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"kind":');
    };
    const outcome = await clients.request({ method: 'GET', path: '/api', timeoutMs: 200 }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(KubeTimeoutError);
  });

  it("stops at the caller's signal before the deadline", async () => {
    handler = () => undefined;
    const core = clients.makeApiClient(CoreV1Api);
    const controller = new AbortController();
    const call = core.readNamespace({ name: 'x' }, requestOptions(controller.signal)).catch((e: unknown) => e);
    await arrived(1);
    controller.abort(new Error('stopping'));
    expect(await call).toMatchObject({ message: 'stopping' });
  });

  it('leaves a watch open past the deadline (the informer watchdog bounds watches)', async () => {
    let respond: ((line: string) => void) | undefined;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      respond = (line) => res.end(line);
    };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const watch = await clients.stream('/api/v1/namespaces?watch=true', new AbortController().signal);
    const body = text(watch.body);
    await vi.advanceTimersByTimeAsync(DEFAULT_REQUEST_TIMEOUT_MS * 3);
    respond?.('{"type":"BOOKMARK"}\n');
    expect(await body).toBe('{"type":"BOOKMARK"}\n');
  });

  it('refuses calls after close()', async () => {
    await clients.close();
    await expect(clients.request({ method: 'GET', path: '/api' })).rejects.toThrow(/after close/);
  });

  it('close() cuts off a call still in flight after its grace period', async () => {
    handler = () => undefined;
    const call = clients.request({ method: 'GET', path: '/api' }).catch((e: unknown) => e);
    await arrived(1);
    await clients.close(50);
    expect(await call).toBeInstanceOf(Error);
  });
});
