// The emulator's HTTP server (node:http): vendor routes under {basePath}/app/{appid}/{prefix}/,
// control routes under /_emulator/. startEmulator() is what tests call in-process; the `emulator`
// CLI command wraps the same function.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalizePathPrefix } from '../jocloud/endpoint.js';
import type { Logger } from '../observability/logger.js';
import { devAccount, type Account } from './accounts.js';
import { CallLog } from './call-log.js';
import { faultSpecSchema, type FaultSpec } from './control-api.js';
import { EmulatorControl } from './control-client.js';
import { CONTROL_PREFIX, controlJson, handleControl } from './control-routes.js';
import { FaultRegistry } from './faults.js';
import { BodyTooLargeError, readBody, sendJson } from './http-io.js';
import { VendorEmulator } from './vendor-emulator.js';
import { serveVendorCall, type ExchangeDeps } from './vendor-exchange.js';

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port (read it from the result). */
  readonly port?: number;
  /** Default: the dev account alone. */
  readonly accounts?: readonly Account[];
  readonly callbackUrl?: string | undefined;
  /** Period of repeated 3000-3002 callbacks; default 10 s. */
  readonly callbackIntervalMs?: number;
  /** Delay from an API answer to the callbacks it causes; default 100 ms. */
  readonly eventCallbackDelayMs?: number;
  readonly callbackTimeoutMs?: number;
  readonly callbackRetryDelaysMs?: readonly number[];
  /** Default v2/rtmpforward; v1/recordoss (the page's table) is always accepted as well. */
  readonly pathPrefix?: string;
  /** Path before /app, e.g. `/jocloud`; default none. */
  readonly basePath?: string;
  readonly logger?: Logger;
  /** Dice for fault rates (tests make them deterministic). */
  readonly random?: () => number;
  /** Faults in place from the start, as if POSTed to /_emulator/faults (a reset removes them). */
  readonly faults?: readonly FaultSpec[];
}

export interface RunningEmulator {
  /** Base URL to give the vendor client (includes basePath). */
  readonly url: string;
  readonly port: number;
  readonly accounts: readonly Account[];
  /** A control client bound to this emulator. */
  readonly control: EmulatorControl;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 256 * 1024;
const ALSO_ACCEPTED_PREFIX = 'v1/recordoss';

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const accounts = opts.accounts !== undefined && opts.accounts.length > 0 ? [...opts.accounts] : [devAccount];
  const basePath = (opts.basePath ?? '').replace(/\/+$/, '');
  const prefixes = new Set([normalizePathPrefix(opts.pathPrefix), ALSO_ACCEPTED_PREFIX]);
  const logger = opts.logger;
  const emulator = new VendorEmulator({
    callbackUrl: opts.callbackUrl,
    logger,
    ...(opts.callbackIntervalMs !== undefined ? { callbackIntervalMs: opts.callbackIntervalMs } : {}),
    ...(opts.eventCallbackDelayMs !== undefined ? { eventCallbackDelayMs: opts.eventCallbackDelayMs } : {}),
    ...(opts.callbackTimeoutMs !== undefined ? { callbackTimeoutMs: opts.callbackTimeoutMs } : {}),
    ...(opts.callbackRetryDelaysMs !== undefined ? { callbackRetryDelaysMs: opts.callbackRetryDelaysMs } : {}),
  });
  const calls = new CallLog();
  const faults = new FaultRegistry(opts.random);
  for (const spec of opts.faults ?? []) faults.add(faultSpecSchema.parse(spec));
  const closing = new AbortController();
  const exchange: ExchangeDeps = { emulator, accounts, calls, faults, closing: closing.signal, maxBodyBytes: MAX_BODY_BYTES, logger };

  const vendorRoute = new RegExp(`^${escapeRegExp(basePath)}/app/([^/]+)/(.+)/(startrtmp|stoprtmp)$`);

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      let bodyText: string;
      try {
        bodyText = await readBody(req, MAX_BODY_BYTES);
      } catch (err) {
        if (!(err instanceof BodyTooLargeError)) throw err;
        sendJson(res, 413, controlJson({ error: err.message }));
        return;
      }
      const out = await handleControl({ emulator, calls, faults }, method, url, bodyText);
      sendJson(res, out.status, controlJson(out.body));
      return;
    }
    const m = vendorRoute.exec(url.pathname);
    if (m?.[1] === undefined || m[2] === undefined || m[3] === undefined || !prefixes.has(m[2])) {
      sendJson(res, 404, JSON.stringify({ code: 404, message: `not found: ${url.pathname}`, traceId: url.searchParams.get('traceId') ?? '' }));
      return;
    }
    if (method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendJson(res, 405, JSON.stringify({ code: 405, message: 'method not allowed: use POST', traceId: url.searchParams.get('traceId') ?? '' }));
      return;
    }
    const route = { endpoint: m[3] === 'startrtmp' ? ('startrtmp' as const) : ('stoprtmp' as const), pathAppid: m[1], pathPrefix: m[2], traceId: url.searchParams.get('traceId') ?? undefined };
    await serveVendorCall(exchange, req, res, route);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      logger?.error({ err }, 'emulator request failed');
      sendJson(res, 500, JSON.stringify({ code: 2104, message: 'emulator internal error', traceId: '' }));
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${address.port}${basePath}`;
  const control = new EmulatorControl(`http://${urlHost(host)}:${address.port}`);
  logger?.info({ url, accounts: accounts.map((a) => a.appid), callbackUrl: emulator.callbackLog().callbackUrl, pathPrefixes: [...prefixes] }, 'emulator listening');

  let closed: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    accounts,
    control,
    close() {
      closed ??= (async () => {
        closing.abort();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await Promise.all([stopped, emulator.close(), control.close()]);
      })();
      return closed;
    },
  };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
