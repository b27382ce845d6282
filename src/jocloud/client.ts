// The vendor client: one keep-alive undici Pool for the configured origin, a hard deadline on every
// call, and every failure turned into a classified VendorError (errors.ts: what to do next, and
// whether the vendor may have acted). Vendor quirks stay here: stoprtmp answered 2102 (nothing
// running to stop) is a success. It never retries: whether and when to call again is the
// reconciler's decision (it knows the backoff and the resource).
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Logger } from '../observability/logger.js';
import { redactUrlList } from '../observability/redact.js';
import { basicToken, TOKEN_HEADER, type Credentials } from './auth.js';
import { normalizePathPrefix, parseBaseUrl, vendorRequestPath, type VendorBase, type VendorEndpointName } from './endpoint.js';
import { classifyHttpStatus, classifyVendorCode, isKnownVendorCode, scrubSecrets, VendorError } from './errors.js';
import { INSTANCE_HEADER, instanceHeaderValue } from './instance.js';
import { parseVendorJson, stringifyVendorJson } from './json.js';
import { createTraceIdGenerator, type TraceIdGenerator } from './trace-id.js';
import { transportError } from './transport-errors.js';
import { vendorResponseSchema, type StartRtmpRequest, type StopRtmpRequest, type VendorResponse } from './wire.js';

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
  /**
   * This process's name (e.g. its leader-election identity), sent as `x-rtmp-operator-instance` so
   * the calls of two replicas can be told apart at the vendor end (the emulator logs it). Not sent
   * when absent.
   */
  readonly instance?: string;
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

/** What stoprtmp resolves with: stopped now, or there was nothing running to stop. */
export interface StopSuccess extends Omit<VendorSuccess, 'code'> {
  /** 0, or 2102 when the vendor had no such running push. */
  readonly code: 0 | 2102;
  /** The vendor answered 2102: no such running push, so it is as good as stopped. */
  readonly alreadyStopped: boolean;
}

/** A vendor answer with a code, before it is judged (any HTTP status). */
interface Answer extends VendorResponse {
  readonly httpStatus: number;
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
  private readonly extraHeaders: Readonly<Record<string, string>>;

  constructor(opts: JocloudClientOptions) {
    this.base = parseBaseUrl(opts.endpoint);
    this.pathPrefix = normalizePathPrefix(opts.pathPrefix);
    this.timeouts = { ...defaultTimeouts, ...opts.timeouts };
    this.logger = opts.logger;
    this.onCall = opts.onCall;
    this.nextTraceId = opts.traceIds ?? createTraceIdGenerator();
    this.extraHeaders = opts.instance === undefined ? {} : { [INSTANCE_HEADER]: instanceHeaderValue(opts.instance) };
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

  async startRtmp(req: StartRtmpRequest, creds: Credentials, opts?: CallOptions): Promise<VendorSuccess> {
    const fields = { appid: req.appid.toString(), roomid: req.roomid, streamtype: req.streamtype, taskid: req.taskid, uid: req.uid, rtmpurl: redactUrlList(req.rtmpurl) };
    const { ctx, answer } = await this.call('startrtmp', req.appid, req, fields, creds, opts);
    return { code: 0, message: answer.message, traceId: ctx.traceId, responseTraceId: answer.traceId };
  }

  /** Resolves also when the vendor answers 2102 (no such running push): `alreadyStopped`. */
  async stopRtmp(req: StopRtmpRequest, creds: Credentials, opts?: CallOptions): Promise<StopSuccess> {
    const fields = { appid: req.appid.toString(), roomid: req.roomid, streamtype: req.streamtype, taskid: req.taskid, uid: req.uid };
    const { ctx, answer } = await this.call('stoprtmp', req.appid, req, fields, creds, opts, STOPPED_ALREADY);
    const alreadyStopped = answer.code === STOPPED_ALREADY;
    return { code: alreadyStopped ? STOPPED_ALREADY : 0, alreadyStopped, message: answer.message, traceId: ctx.traceId, responseTraceId: answer.traceId };
  }

  /** Closes idle sockets and waits for calls in flight (each is bounded by its deadline). */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /** One exchange; resolves with a success answer (code 0 or `alsoSuccess`), else throws a VendorError. */
  private async call(
    endpoint: VendorEndpointName,
    appid: bigint,
    body: StartRtmpRequest | StopRtmpRequest,
    logFields: Record<string, unknown>,
    creds: Credentials,
    opts: CallOptions | undefined,
    alsoSuccess?: number,
  ): Promise<{ ctx: CallContext; answer: Answer }> {
    const traceId = this.nextTraceId();
    const token = basicToken(creds);
    const ctx: CallContext = { endpoint, traceId, secrets: [creds.restfulSecret, creds.restfulId, token.slice('Basic '.length)] };
    const deadline = AbortSignal.timeout(opts?.timeoutMs ?? this.timeouts.requestMs);
    const signal = opts?.signal === undefined ? deadline : AbortSignal.any([opts.signal, deadline]);
    const started = performance.now();
    try {
      const answer = await this.send(ctx, appid, body, token, signal, deadline, opts?.signal);
      if (answer.code !== 0 && answer.code !== alsoSuccess) throw vendorCodeError(ctx, answer);
      this.observe(ctx, logFields, started, String(answer.code), undefined);
      return { ctx, answer };
    } catch (err) {
      const vendorError = err instanceof VendorError ? err : transportError(ctx, err, deadline, opts?.signal);
      const code = vendorError.vendorCode !== undefined ? String(vendorError.vendorCode) : vendorError.code;
      this.observe(ctx, logFields, started, code, vendorError);
      throw vendorError;
    }
  }

  private observe(ctx: CallContext, logFields: Record<string, unknown>, started: number, code: string, error: VendorError | undefined): void {
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const outcome = error === undefined ? {} : { classification: error.classification, outcome: error.outcome, err: error.message };
    this.logger?.debug({ ...logFields, endpoint: ctx.endpoint, traceId: ctx.traceId, code, durationMs, ...outcome }, 'vendor call');
    this.onCall?.({ endpoint: ctx.endpoint, code, durationMs });
  }

  /** Sends the request; resolves with any answer that carries a vendor code, else throws. */
  private async send(
    ctx: CallContext,
    appid: bigint,
    body: StartRtmpRequest | StopRtmpRequest,
    token: string,
    signal: AbortSignal,
    deadline: AbortSignal,
    callerSignal: AbortSignal | undefined,
  ): Promise<Answer> {
    const res = await this.pool.request({
      method: 'POST',
      path: vendorRequestPath(this.base, this.pathPrefix, appid, ctx.endpoint, ctx.traceId),
      headers: { ...this.extraHeaders, [TOKEN_HEADER]: token, 'content-type': CONTENT_TYPE, accept: 'application/json' },
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
      // The vendor itself may put its verdict in an error status; anything else (a gateway's page,
      // a proxy's 401, a 404 for a wrong path prefix) is judged by the HTTP status alone.
      const vendorAnswer = vendorCodeIn(text);
      if (vendorAnswer !== undefined && isKnownVendorCode(vendorAnswer.code)) return { ...vendorAnswer, httpStatus: res.statusCode };
      throw new VendorError({
        code: 'HttpStatus',
        ...classifyHttpStatus(res.statusCode),
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
    return { ...checked.data, httpStatus: res.statusCode };
  }
}

const STOPPED_ALREADY = 2102;

function vendorCodeIn(text: string): VendorResponse | undefined {
  try {
    const checked = vendorResponseSchema.safeParse(parseVendorJson(text));
    return checked.success ? checked.data : undefined;
  } catch {
    return undefined;
  }
}

function vendorCodeError(ctx: CallContext, answer: Answer): VendorError {
  const cls = classifyVendorCode(answer.code);
  return new VendorError({
    ...cls,
    endpoint: ctx.endpoint,
    traceId: ctx.traceId,
    vendorCode: answer.code,
    httpStatus: answer.httpStatus,
    message: `${ctx.endpoint}: vendor answered ${answer.code} (${cls.code}): ${scrubSecrets(answer.message, ctx.secrets)}`,
  });
}

function badResponse(ctx: CallContext, httpStatus: number, detail: string): VendorError {
  return new VendorError({
    code: 'BadResponse',
    classification: 'retryable',
    // A success status with a garbled body: the vendor may well have acted.
    outcome: 'unknown',
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
