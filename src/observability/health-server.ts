// The operator's small HTTP endpoints: /healthz and /readyz for the kubelet's probes, /metrics for
// Prometheus. Each listens on its own address (--health-addr, --metrics-addr) so that metrics can
// be exposed without exposing anything else.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpServerHandle {
  /** The bound address as HOST:PORT (IPv6 in brackets); the real port when 0 was asked for. */
  readonly address: string;
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

export interface ListenAddress {
  /** undefined: every interface. */
  readonly host: string | undefined;
  readonly port: number;
}

/** Parses `HOST:PORT`, `:PORT` or `[IPv6]:PORT`. */
export function parseListenAddress(addr: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr.trim());
  const port = match?.[3] !== undefined ? Number(match[3]) : Number.NaN;
  if (match === null || !Number.isInteger(port) || port > 65_535) {
    throw new Error(`invalid listen address "${addr}": expected HOST:PORT or :PORT`);
  }
  const host = match[1] ?? match[2];
  return { host: host === undefined || host === '' ? undefined : host, port };
}

/**
 * Serves `routes` (exact paths, GET and HEAD only) on `addr`. Resolves once listening; rejects
 * if the address cannot be bound.
 */
export async function startHttpServer(
  addr: string,
  routes: Readonly<Record<string, RouteHandler>>,
  opts: { readonly logger?: Logger } = {},
): Promise<HttpServerHandle> {
  const { host, port } = parseListenAddress(addr);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handler = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (handler === undefined) {
      reply(res, 404, 'not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      reply(res, 405, 'method not allowed\n');
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        opts.logger?.error({ err: error, path }, 'HTTP handler failed');
        if (!res.headersSent) reply(res, 500, 'internal error\n');
        else res.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => opts.logger?.error({ err: error, addr }, 'HTTP server error'));
  const bound = server.address() as AddressInfo;
  const boundHost = bound.family === 'IPv6' || bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return {
    address: `${boundHost}:${bound.port}`,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

/** true: healthy. false or a string (the reason): unhealthy. */
export type HealthCheck = () => boolean | string;

export interface HealthServerOptions {
  readonly addr: string;
  readonly checks: { readonly healthz: HealthCheck; readonly readyz: HealthCheck };
  readonly logger?: Logger;
}

/** /healthz and /readyz: 200 "ok", or 503 with the reason. */
export function createHealthServer(opts: HealthServerOptions): Promise<HttpServerHandle> {
  return startHttpServer(
    opts.addr,
    {
      '/healthz': checkHandler(opts.checks.healthz),
      '/readyz': checkHandler(opts.checks.readyz),
    },
    opts.logger !== undefined ? { logger: opts.logger } : {},
  );
}

export interface MetricsServerOptions {
  readonly addr: string;
  readonly registry: Registry;
  readonly logger?: Logger;
}

/** /metrics in the Prometheus text format. */
export function createMetricsServer(opts: MetricsServerOptions): Promise<HttpServerHandle> {
  return startHttpServer(
    opts.addr,
    {
      '/metrics': async (_req, res) => {
        const body = await opts.registry.metrics();
        res.setHeader('Content-Type', opts.registry.contentType);
        res.statusCode = 200;
        res.end(body);
      },
    },
    opts.logger !== undefined ? { logger: opts.logger } : {},
  );
}

function checkHandler(check: HealthCheck): RouteHandler {
  return (_req, res) => {
    let result: boolean | string;
    try {
      result = check();
    } catch (error) {
      result = error instanceof Error ? error.message : 'check failed';
    }
    if (result === true) reply(res, 200, 'ok\n');
    else reply(res, 503, `${result === false ? 'not ok' : result}\n`);
  };
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(body);
}
