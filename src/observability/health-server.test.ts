import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { createHealthServer, createMetricsServer, parseListenAddress, startHttpServer, type HttpServerHandle } from './health-server.js';

describe('parseListenAddress', () => {
  it.each([
    { addr: ':8080', host: undefined, port: 8080, reason: 'all interfaces' },
    { addr: '127.0.0.1:0', host: '127.0.0.1', port: 0, reason: 'loopback, any free port' },
    { addr: '0.0.0.0:8081', host: '0.0.0.0', port: 8081, reason: 'IPv4 wildcard' },
    { addr: '[::1]:9000', host: '::1', port: 9000, reason: 'IPv6 in brackets' },
    { addr: 'localhost:8082', host: 'localhost', port: 8082, reason: 'a host name' },
  ])('$addr ($reason)', ({ addr, host, port }) => {
    expect(parseListenAddress(addr)).toEqual({ host, port });
  });

  it.each([
    { addr: '8080', reason: 'a bare port has no colon' },
    { addr: ':', reason: 'no port' },
    { addr: ':70000', reason: 'port out of range' },
    { addr: '::1:8080', reason: 'IPv6 without brackets is ambiguous' },
    { addr: 'host:http', reason: 'named ports are not supported' },
  ])('rejects $addr ($reason)', ({ addr }) => {
    expect(() => parseListenAddress(addr)).toThrow(/invalid listen address/);
  });
});

describe('HTTP servers', () => {
  const servers: HttpServerHandle[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function get(server: HttpServerHandle, path: string, method = 'GET') {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
    return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
  }

  it('serves /healthz and /readyz from the checks: 200 ok, or 503 with the reason', async () => {
    let ready: boolean | string = 'informers not synced';
    let healthy: boolean | string = true;
    const server = await createHealthServer({
      addr: '127.0.0.1:0',
      checks: { healthz: () => healthy, readyz: () => ready },
    });
    servers.push(server);
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
    expect(await get(server, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await get(server, '/readyz')).toMatchObject({ status: 503, body: 'informers not synced\n' });
    ready = true;
    healthy = false;
    expect(await get(server, '/readyz?verbose=1')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await get(server, '/healthz')).toMatchObject({ status: 503, body: 'not ok\n' });
  });

  it('answers 503 with the message when a check throws', async () => {
    const server = await createHealthServer({
      addr: '127.0.0.1:0',
      checks: {
        healthz: () => {
          throw new Error('watchdog: event loop stalled');
        },
        readyz: () => true,
      },
    });
    servers.push(server);
    expect(await get(server, '/healthz')).toMatchObject({ status: 503, body: 'watchdog: event loop stalled\n' });
  });

  it.each([
    { path: '/nope', method: 'GET', status: 404, reason: 'unknown path' },
    { path: '/healthz', method: 'POST', status: 405, reason: 'only GET and HEAD' },
    { path: '/healthz', method: 'HEAD', status: 200, reason: 'HEAD is allowed' },
  ])('$reason: $method $path -> $status', async ({ path, method, status }) => {
    const server = await createHealthServer({ addr: '127.0.0.1:0', checks: { healthz: () => true, readyz: () => true } });
    servers.push(server);
    expect((await get(server, path, method)).status).toBe(status);
  });

  it('serves /metrics in the Prometheus text format', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.leaderElectionMasterStatus.set({ name: 'rtmp-push-operator' }, 1);
    const server = await createMetricsServer({ addr: '127.0.0.1:0', registry: metrics.registry });
    servers.push(server);
    const response = await get(server, '/metrics');
    expect(response.status).toBe(200);
    expect(response.type).toContain('text/plain');
    expect(response.body).toContain('leader_election_master_status{name="rtmp-push-operator"} 1');
  });

  it('answers 500 when a route handler fails', async () => {
    const server = await startHttpServer('127.0.0.1:0', { '/boom': () => Promise.reject(new Error('boom')) });
    servers.push(server);
    expect((await get(server, '/boom')).status).toBe(500);
  });

  it('rejects when the port is taken, and close() frees it', async () => {
    const first = await startHttpServer('127.0.0.1:0', {});
    await expect(startHttpServer(`127.0.0.1:${first.port}`, {})).rejects.toThrow(/EADDRINUSE/);
    await first.close();
    const again = await startHttpServer(`127.0.0.1:${first.port}`, {});
    servers.push(again);
    expect(again.port).toBe(first.port);
  });
});
