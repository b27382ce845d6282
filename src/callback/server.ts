// The push-status callback endpoint: POST /jocloud/callback, on every replica.
//
// The reply does not wait on Kubernetes for the periodic states: the body is checked, handed to
// `onCallback` (which only updates memory and queues a status write) and answered at once.
// Comparable vendors give a webhook 5-10 s and then retry (the vendor notes' comparison of
// similar APIs), so a reply that waited for the API server would turn a slow API server into
// duplicate deliveries. A 3003 (terminated) is the exception: the vendor sends it once, so
// `onCallback` returns a promise that settles when it is durably recorded, and a failure is
// answered 503 so the vendor delivers it again.
//
// Without a token anyone who can reach the endpoint could forge push states: report a healthy
// stream that is down, or a 3003 that makes the leader restart a task. The vendor signs nothing,
// so the token is the only gate, and the server refuses to start without one unless
// `allowUnauthenticated` says so explicitly (a test, or an endpoint reachable only through a
// gateway that authenticates).
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseVendorJson } from '../jocloud/json.js';
import { parseWithRules, pushStatusCallbackSchema, type PushStatusCallback } from '../jocloud/wire.js';
import type { Logger } from '../observability/logger.js';
import { redactUrl } from '../observability/redact.js';
import { parseListenAddress } from '../observability/health-server.js';
import { authorized, presentedTokens, tokenCheck, type TokenCheck } from './token.js';

export const CALLBACK_PATH = '/jocloud/callback';
export const MAX_CALLBACK_BODY_BYTES = 64 * 1024;
/**
 * How much of an oversized body is read and thrown away so the client gets to see the 413.
 * Closing a socket with unread data makes the kernel send a reset, and a client still sending
 * then sees EPIPE or ECONNRESET instead of the answer; Go's net/http drains 256 KiB for the same
 * reason. Nothing past MAX_CALLBACK_BODY_BYTES is kept, and past this the connection is cut.
 */
export const MAX_DISCARDED_BODY_BYTES = 1024 * 1024;

/** What became of a valid callback: applied to a task, or no task matches it. */
export type CallbackResult = 'accepted' | 'unknown-task';

export type RejectReason =
  | 'not-found'
  | 'method-not-allowed'
  | 'unauthorized'
  | 'too-large'
  | 'invalid-body'
  | 'not-ready'
  | 'not-recorded'
  | 'internal-error';

export interface CallbackServerMetrics {
  /** A valid callback was applied to a task; `status` is its push status (3000-3003). */
  accepted(status: number): void;
  rejected(reason: RejectReason): void;
  /** A valid callback matched no RtmpPushTask. */
  unknownTask(): void;
}

export interface CallbackServerOptions {
  /** HOST:PORT; `:8082` for every interface, port 0 for a free one. */
  readonly addr: string;
  /** The shared token the vendor presents (?token=... or Authorization: Bearer ...). */
  readonly token: string | undefined;
  /** Serve without a token. Only for tests or behind an authenticating gateway; see above. */
  readonly allowUnauthenticated?: boolean;
  readonly logger: Logger;
  /** Must be synchronous and fast: memory updates and queueing only. */
  readonly onCallback: (cb: PushStatusCallback) => CallbackResult | Promise<CallbackResult>;
  readonly metrics?: CallbackServerMetrics;
  /**
   * False until the task index has the cluster's tasks (the informer synced): until then a
   * callback is answered 503 so the vendor retries it, instead of 202 "unknown task", which
   * would drop a 3003 for good. Defaults to always ready.
   */
  readonly isReady?: () => boolean;
  /** Headers and body must arrive within this; defaults to 10 s. */
  readonly requestTimeoutMs?: number;
}

export interface CallbackServer {
  /** The bound address, e.g. `http://127.0.0.1:41234/jocloud/callback` (no token in it). */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and resolves once in-flight requests are answered. */
  close(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly body?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

export async function startCallbackServer(opts: CallbackServerOptions): Promise<CallbackServer> {
  const token = opts.token === '' ? undefined : opts.token;
  if (token === undefined && opts.allowUnauthenticated !== true) {
    throw new Error(
      'the callback server needs a token (--callback-token or --callback-token-file): the vendor signs no callback, so without one anyone who reaches the endpoint can forge push states',
    );
  }
  const check = token === undefined ? undefined : tokenCheck(token);
  const { host, port } = parseListenAddress(opts.addr);
  const logger = opts.logger;
  if (check === undefined) logger.warn('callback server accepts unauthenticated callbacks (allowUnauthenticated)');

  const timeoutMs = opts.requestTimeoutMs ?? 10_000;
  const server = createServer({ requestTimeout: timeoutMs, headersTimeout: timeoutMs, keepAlive: true }, (req, res) => {
    handle(req, res, check, opts);
  });
  // Longer than the idle timeout of common load balancers (60 s) so the proxy, not us, closes
  // idle keep-alive connections; otherwise it may send a request on a socket we just closed.
  server.keepAliveTimeout = 65_000;

  server.listen({ port, ...(host !== undefined ? { host } : {}) });
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}${CALLBACK_PATH}`;
  logger.info({ url, authenticated: check !== undefined }, 'callback server listening');
  return { url, port: address.port, close: () => closeServer(server) };
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, 'close');
  server.close();
  server.closeIdleConnections();
  // A connection busy with a callback at close() is kept alive after its answer and would hold
  // close() until keepAliveTimeout (65 s): close connections as they turn idle.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
  }
}

function handle(req: IncomingMessage, res: ServerResponse, check: TokenCheck | undefined, opts: CallbackServerOptions): void {
  const { logger, metrics } = opts;
  const reject = (reason: RejectReason, reply: Reply, bodyUnread: boolean): void => {
    metrics?.rejected(reason);
    send(res, reply, bodyUnread);
  };

  // The request URL can carry the token: parse it, never log it.
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://callback.invalid');
  } catch {
    reject('not-found', { status: 404, body: { error: 'not found' } }, true);
    return;
  }
  if (url.pathname !== CALLBACK_PATH) {
    reject('not-found', { status: 404, body: { error: 'not found' } }, true);
    return;
  }
  if (req.method !== 'POST') {
    reject('method-not-allowed', { status: 405, body: { error: 'method not allowed' }, headers: { Allow: 'POST' } }, true);
    return;
  }
  if (check !== undefined && !authorized(check, presentedTokens(url.searchParams, req.headers))) {
    logger.warn({ remote: req.socket.remoteAddress }, 'callback rejected: missing or wrong token');
    reject('unauthorized', { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } }, true);
    return;
  }
  if (opts.isReady !== undefined && !opts.isReady()) {
    reject('not-ready', { status: 503, body: { error: 'not ready: task cache not synced yet' }, headers: { 'Retry-After': '1' } }, true);
    return;
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_DISCARDED_BODY_BYTES) {
    reject('too-large', tooLarge(), true);
    return;
  }

  readLimited(req, MAX_CALLBACK_BODY_BYTES, MAX_DISCARDED_BODY_BYTES, (outcome) => {
    if (outcome === 'too-large' || outcome === 'cut-off') {
      reject('too-large', tooLarge(), outcome === 'cut-off');
      return;
    }
    if (outcome === 'failed') return; // the client went away; nobody to answer
    const parsed = parseBody(outcome);
    if (!parsed.ok) {
      logger.warn({ remote: req.socket.remoteAddress, path: parsed.path, rule: parsed.rule }, 'callback rejected: invalid body');
      reject('invalid-body', { status: 400, body: { error: 'invalid callback', path: parsed.path, rule: parsed.rule } }, false);
      return;
    }
    const cb = parsed.value;
    let answer: CallbackResult | Promise<CallbackResult>;
    try {
      answer = opts.onCallback(cb);
    } catch (error) {
      logger.error({ err: error }, 'applying a callback failed');
      reject('internal-error', { status: 500, body: { error: 'internal error' } }, false);
      return;
    }
    if (answer instanceof Promise) {
      answer.then(
        (result) => reply(cb, result),
        (error: unknown) => {
          logger.warn({ err: error, status: cb.status }, 'could not record the callback durably; the vendor is asked to retry');
          reject('not-recorded', { status: 503, body: { error: 'not recorded yet; retry' }, headers: { 'Retry-After': '1' } }, false);
        },
      );
      return;
    }
    reply(cb, answer);
  });

  function reply(cb: PushStatusCallback, result: CallbackResult): void {
    const fields = { url: redactUrl(cb.url), appid: cb.appid.toString(), roomid: cb.roomid, taskid: cb.taskid, status: cb.status, version: cb.version.toString() };
    if (result === 'unknown-task') {
      metrics?.unknownTask();
      logger.debug(fields, 'callback for no known RtmpPushTask');
      send(res, { status: 202, body: { code: 0, message: 'no RtmpPushTask matches this callback' } }, false);
      return;
    }
    metrics?.accepted(cb.status);
    logger.debug(fields, 'callback accepted');
    send(res, { status: 200, body: { code: 0 } }, false);
  }
}

function tooLarge(): Reply {
  return { status: 413, body: { error: `body larger than ${MAX_CALLBACK_BODY_BYTES} bytes` } };
}

/**
 * Collects the body, keeping at most `keep` bytes: a longer body is read to its end and thrown
 * away ('too-large', the connection stays usable), unless it passes `discard` bytes, where
 * reading stops at once ('cut-off', the reply closes the connection).
 */
function readLimited(
  req: IncomingMessage,
  keep: number,
  discard: number,
  done: (outcome: Buffer | 'too-large' | 'cut-off' | 'failed') => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (outcome: Buffer | 'too-large' | 'cut-off' | 'failed'): void => {
    if (finished) return;
    finished = true;
    req.off('data', onData);
    done(outcome);
  };
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > discard) {
      req.pause();
      finish('cut-off');
    } else if (size > keep) {
      chunks.length = 0;
    } else {
      chunks.push(chunk);
    }
  };
  req.on('data', onData);
  req.once('end', () => finish(size > keep ? 'too-large' : Buffer.concat(chunks)));
  req.once('error', () => finish('failed'));
  req.once('close', () => finish('failed'));
}

type ParsedBody = { ok: true; value: PushStatusCallback } | { ok: false; path: string; rule: string };

function parseBody(body: Buffer): ParsedBody {
  let json: unknown;
  try {
    // Vendors send odd Content-Types and sometimes a BOM; the bytes decide, not the header.
    json = parseVendorJson(body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    return { ok: false, path: '', rule: 'must be a JSON object' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, path: '', rule: 'must be a JSON object' };
  const r = parseWithRules(pushStatusCallbackSchema, json);
  if (r.ok) return { ok: true, value: r.value };
  const first = r.problems[0];
  return { ok: false, path: first?.path ?? '', rule: first?.rule ?? 'is invalid' };
}

function send(res: ServerResponse, reply: Reply, bodyUnread: boolean): void {
  const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
  const headers: Record<string, string> = {
    'Cache-Control': 'no-store',
    ...(payload !== '' ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
    ...reply.headers,
  };
  // A body we did not read cannot be skipped safely on a kept-alive connection: close it.
  if (bodyUnread) headers.Connection = 'close';
  res.writeHead(reply.status, headers);
  res.end(payload);
}
