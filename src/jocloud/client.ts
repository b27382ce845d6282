// The vendor client: one keep-alive undici Pool for the configured origin, a hard deadline on every
// call, and every failure turned into a classified VendorError. It never retries: whether and when
// to call again is the reconciler's decision (it knows the backoff and the resource).
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Logger } from '../observability/logger.js';
import { redactUrlList } from '../observability/redact.js';
import { basicToken, TOKEN_HEADER, type Credentials } from './auth.js';
import { normalizePathPrefix, parseBaseUrl, vendorRequestPath, type VendorBase, type VendorEndpointName } from './endpoint.js';
import { classifyHttpStatus, classifyVendorCode, scrubSecrets, VendorError, type VendorErrorCode } from './errors.js';
import { parseVendorJson, stringifyVendorJson } from './json.js';
import { createTraceIdGenerator, type TraceIdGenerator } from './trace-id.js';
import { vendorResponseSchema, type StartRtmpRequest, type StopRtmpRequest } from './wire.js';

export interface ClientTimeouts {
  /** TCP + TLS handshake. */
  readonly connectMs?: number;
  /** From request sent to response headers received. */
  readonly headersMs?: number;
  /** Maximum idle time between body chunks. */
  readonly bodyMs?: number;
  /** Whole-call deadline (AbortSignal.timeout), the bound callers can rely on. */
  readonly requestMs?: number;
  /** How long an idle keep-alive socket is kept. */
  readonly keepAliveMs?: number;
}

export const defaultTimeouts: Required<ClientTimeouts> = {
  connectMs: 5_000,
  headersMs: 10_000,
  bodyMs: 10_000,
  requestMs: 15_000,
  keepAliveMs: 30_000,
};

/** One finished call, for metrics: `code` is the vendor code ("0", "2101") or a VendorError code. */
export interface VendorCallObservation {
  readonly endpoint: VendorEndpointName;
  readonly code: string;
  readonly durationMs: number;
}

export interface JocloudClientOptions {
  /** Base URL: a region host from endpoint.ts or an explicit URL, optionally with a path before /app. */
  readonly endpoint: string;
  /** Path segment(s) between `/app/{appid}/` and the call name; default `v2/rtmpforward`. */
  readonly pathPrefix?: string;
  readonly timeouts?: ClientTimeouts;
  readonly logger?: Logger;
  readonly onCall?: (observation: VendorCallObservation) => void;
  readonly traceIds?: TraceIdGenerator;
  /** Upper bound of parallel sockets to the vendor (the operator's QPS limit sits in front). */
  readonly connections?: number;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Overrides the client's `requestMs` for this call. */
  readonly timeoutMs?: number;
}

export interface VendorSuccess {
  readonly code: 0;
  readonly message: string;
  /** The traceId we sent. */
  readonly traceId: string;
  /** The traceId the vendor answered with (the vendor may use its own). */
  readonly responseTraceId: string;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;
const CONTENT_TYPE = 'application/json;charset=UTF-8';

interface CallContext {
  readonly endpoint: VendorEndpointName;
  readonly traceId: string;
  readonly secrets: readonly string[];
}

export class JocloudClient {
  private readonly base: VendorBase;
  private readonly pathPrefix: string;
  private readonly timeouts: Required<ClientTimeouts>;
  private readonly pool: Pool;
  private readonly logger: Logger | undefined;
  private readonly onCall: ((o: VendorCallObservation) => void) | undefined;
  private readonly nextTraceId: TraceIdGenerator;

  constructor(opts: JocloudClientOptions) {
    this.base = parseBaseUrl(opts.endpoint);
    this.pathPrefix = normalizePathPrefix(opts.pathPrefix);
    this.timeouts = { ...defaultTimeouts, ...opts.timeouts };
    this.logger = opts.logger;
    this.onCall = opts.onCall;
    this.nextTraceId = opts.traceIds ?? createTraceIdGenerator();
    this.pool = new Pool(this.base.origin, {
      connections: opts.connections ?? 16,
      pipelining: 1,
      connectTimeout: this.timeouts.connectMs,
      headersTimeout: this.timeouts.headersMs,
      bodyTimeout: this.timeouts.bodyMs,
      keepAliveTimeout: this.timeouts.keepAliveMs,
      keepAliveMaxTimeout: this.timeouts.keepAliveMs,
      maxResponseSize: MAX_RESPONSE_BYTES,
    });
  }

  startRtmp(req: StartRtmpRequest, creds: Credentials, opts?: CallOptions): Promise<VendorSuccess> {
    const fields = { appid: req.appid.toString(), roomid: req.roomid, streamtype: req.streamtype, taskid: req.taskid, uid: req.uid, rtmpurl: redactUrlList(req.rtmpurl) };
    return this.call('startrtmp', req.appid, req, fields, creds, opts);
  }

  stopRtmp(req: StopRtmpRequest, creds: Credentials, opts?: CallOptions): Promise<VendorSuccess> {
    const fields = { appid: req.appid.toString(), roomid: req.roomid, streamtype: req.streamtype, taskid: req.taskid, uid: req.uid };
    return this.call('stoprtmp', req.appid, req, fields, creds, opts);
  }

  /** Closes idle sockets and waits for calls in flight (each is bounded by its deadline). */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private async call(
    endpoint: VendorEndpointName,
    appid: bigint,
    body: StartRtmpRequest | StopRtmpRequest,
    logFields: Record<string, unknown>,
    creds: Credentials,
    opts: CallOptions | undefined,
  ): Promise<VendorSuccess> {
    const traceId = this.nextTraceId();
    const token = basicToken(creds);
    const ctx: CallContext = { endpoint, traceId, secrets: [creds.restfulSecret, creds.restfulId, token.slice('Basic '.length)] };
    const deadline = AbortSignal.timeout(opts?.timeoutMs ?? this.timeouts.requestMs);
    const signal = opts?.signal === undefined ? deadline : AbortSignal.any([opts.signal, deadline]);
    const started = performance.now();
    try {
      const result = await this.send(ctx, appid, body, token, signal, deadline, opts?.signal);
      this.observe(ctx, logFields, started, '0', undefined);
      return result;
    } catch (err) {
      const vendorError = err instanceof VendorError ? err : transportError(ctx, err, deadline, opts?.signal);
      const code = vendorError.vendorCode !== undefined ? String(vendorError.vendorCode) : vendorError.code;
      this.observe(ctx, logFields, started, code, vendorError);
      throw vendorError;
    }
  }

  private observe(ctx: CallContext, logFields: Record<string, unknown>, started: number, code: string, error: VendorError | undefined): void {
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const outcome = error === undefined ? {} : { classification: error.classification, err: error.message };
    this.logger?.debug({ ...logFields, endpoint: ctx.endpoint, traceId: ctx.traceId, code, durationMs, ...outcome }, 'vendor call');
    this.onCall?.({ endpoint: ctx.endpoint, code, durationMs });
  }

  private async send(
    ctx: CallContext,
    appid: bigint,
    body: StartRtmpRequest | StopRtmpRequest,
    token: string,
    signal: AbortSignal,
    deadline: AbortSignal,
    callerSignal: AbortSignal | undefined,
  ): Promise<VendorSuccess> {
    const res = await this.pool.request({
      method: 'POST',
      path: vendorRequestPath(this.base, this.pathPrefix, appid, ctx.endpoint, ctx.traceId),
      headers: { [TOKEN_HEADER]: token, 'content-type': CONTENT_TYPE, accept: 'application/json' },
      body: stringifyVendorJson(body),
      signal,
    });
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw transportError(ctx, err, deadline, callerSignal);
    }
    if (res.statusCode < 200 || res.statusCode > 299) {
      throw new VendorError({
        code: 'HttpStatus',
        classification: classifyHttpStatus(res.statusCode),
        endpoint: ctx.endpoint,
        traceId: ctx.traceId,
        httpStatus: res.statusCode,
        message: `${ctx.endpoint}: vendor answered HTTP ${res.statusCode}${snippet(text, ctx)}`,
      });
    }
    let parsed: unknown;
    try {
      parsed = parseVendorJson(text);
    } catch {
      throw badResponse(ctx, res.statusCode, `body is not JSON${snippet(text, ctx)}`);
    }
    const checked = vendorResponseSchema.safeParse(parsed);
    if (!checked.success) {
      const first = checked.error.issues[0];
      throw badResponse(ctx, res.statusCode, `unexpected body shape (${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'})`);
    }
    const { code, message, traceId: responseTraceId } = checked.data;
    if (code !== 0) {
      const cls = classifyVendorCode(code);
      throw new VendorError({
        code: cls.code,
        classification: cls.classification,
        endpoint: ctx.endpoint,
        traceId: ctx.traceId,
        vendorCode: code,
        httpStatus: res.statusCode,
        message: `${ctx.endpoint}: vendor answered ${code} (${cls.code}): ${scrubSecrets(message, ctx.secrets)}`,
      });
    }
    return { code: 0, message, traceId: ctx.traceId, responseTraceId };
  }
}

function badResponse(ctx: CallContext, httpStatus: number, detail: string): VendorError {
  return new VendorError({
    code: 'BadResponse',
    classification: 'retryable',
    endpoint: ctx.endpoint,
    traceId: ctx.traceId,
    httpStatus,
    message: `${ctx.endpoint}: bad vendor response: ${detail}`,
  });
}

function snippet(text: string, ctx: CallContext): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  const short = trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed;
  return `: ${scrubSecrets(short, ctx.secrets)}`;
}

// undici error codes that mean "the peer took too long" rather than "the peer is unreachable".
const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const malformedCodes = new Set(['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'HPE_INVALID_CONSTANT', 'HPE_INVALID_HEADER_TOKEN', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);

function transportError(ctx: CallContext, err: unknown, deadline: AbortSignal, callerSignal: AbortSignal | undefined): VendorError {
  const base = { endpoint: ctx.endpoint, traceId: ctx.traceId, classification: 'retryable' as const, cause: err };
  if (deadline.aborted) {
    return new VendorError({ ...base, code: 'DeadlineExceeded', message: `${ctx.endpoint}: no answer from the vendor within the deadline` });
  }
  if (callerSignal?.aborted === true) {
    return new VendorError({ ...base, code: 'DeadlineExceeded', message: `${ctx.endpoint}: cancelled before the vendor answered` });
  }
  const code = errorCode(err);
  let kind: VendorErrorCode = 'Network';
  if (code !== undefined && timeoutCodes.has(code)) kind = 'DeadlineExceeded';
  else if (code !== undefined && (malformedCodes.has(code) || code.startsWith('HPE_'))) kind = 'BadResponse';
  const detail = code ?? (err instanceof Error ? err.name : 'unknown error');
  return new VendorError({ ...base, code: kind, message: `${ctx.endpoint}: ${kind === 'Network' ? 'cannot reach the vendor' : kind === 'BadResponse' ? 'malformed vendor response' : 'vendor too slow'} (${detail})` });
}

function errorCode(err: unknown): string | undefined {
  // undici wraps socket errors (UND_ERR_SOCKET); the errno (ECONNRESET, ECONNREFUSED) may sit on a cause.
  const codes: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const c = (e as Error & { code?: unknown }).code;
    if (typeof c === 'string') codes.push(c);
  }
  return codes.find((c) => c !== 'UND_ERR_SOCKET') ?? codes[0];
}
