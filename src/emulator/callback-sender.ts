// Delivers push-status callbacks the way comparable vendors do: POST JSON, a per-attempt timeout and
// a few retries with backoff, then give up and count it. Delivery never blocks an API answer:
// callers fire and forget (deliver never rejects), and close() aborts whatever is still in flight.
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { stringifyVendorJson } from '../jocloud/json.js';
import type { Logger } from '../observability/logger.js';
import { redactUrl } from '../observability/redact.js';
import type { CallbackStats, DeliveryResult } from './control-api.js';

/** What goes on the wire: the page's callback fields, appid and version as uint64 JSON numbers. */
export interface CallbackPayload {
  readonly url: string;
  readonly appname: string;
  readonly streamname: string;
  readonly appid: bigint;
  readonly roomid: string;
  readonly taskid: string;
  readonly status: number;
  readonly version: bigint;
  readonly errcode: number;
  readonly description: string;
}

export interface CallbackSenderOptions {
  /** Receiver URL; any token it needs travels in it (the vendor signs nothing). */
  readonly url: string;
  readonly logger?: Logger;
  readonly timeoutMs?: number;
  /** Pause before each retry; its length is the number of retries. */
  readonly retryDelaysMs?: readonly number[];
}

const RECENT_LIMIT = 500;

export class CallbackSender {
  private readonly agent: Agent;
  private readonly closing = new AbortController();
  private readonly inFlight = new Set<Promise<DeliveryResult>>();
  private readonly timeoutMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly logger: Logger | undefined;
  private readonly counters = { queued: 0, delivered: 0, failedAttempts: 0, dropped: 0 };
  private recentResults: DeliveryResult[] = [];

  constructor(private readonly opts: CallbackSenderOptions) {
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.retryDelaysMs = opts.retryDelaysMs ?? [500, 2_000, 5_000];
    this.logger = opts.logger;
    this.agent = new Agent({ connectTimeout: this.timeoutMs, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs, keepAliveTimeout: 10_000 });
  }

  /** The receiver URL with any token in its query redacted. */
  get redactedUrl(): string {
    return redactUrl(this.opts.url);
  }

  deliver(payload: CallbackPayload): Promise<DeliveryResult> {
    this.counters.queued++;
    const p = this.attemptAll(payload).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
    return p;
  }

  stats(): CallbackStats {
    return { ...this.counters, inFlight: this.inFlight.size };
  }

  recent(): DeliveryResult[] {
    return [...this.recentResults];
  }

  clearRecent(): void {
    this.recentResults = [];
  }

  async close(): Promise<void> {
    this.closing.abort();
    await Promise.allSettled([...this.inFlight]);
    await this.agent.close();
  }

  private async attemptAll(payload: CallbackPayload): Promise<DeliveryResult> {
    const body = stringifyVendorJson(payload);
    let attempts = 0;
    let httpStatus: number | null = null;
    let error: string | null = null;
    for (;;) {
      if (this.closing.signal.aborted) {
        error = error ?? 'emulator closing';
        break;
      }
      attempts++;
      const outcome = await this.attempt(body);
      httpStatus = outcome.httpStatus;
      error = outcome.error;
      if (error === null) break;
      this.counters.failedAttempts++;
      const delay = this.retryDelaysMs[attempts - 1];
      if (delay === undefined) break;
      try {
        await sleep(delay, undefined, { signal: this.closing.signal });
      } catch {
        break;
      }
    }
    const delivered = error === null;
    if (delivered) this.counters.delivered++;
    else this.counters.dropped++;
    const result: DeliveryResult = {
      delivered,
      attempts,
      httpStatus,
      error,
      url: redactUrl(payload.url),
      status: payload.status,
      version: payload.version.toString(),
      at: new Date().toISOString(),
    };
    this.recentResults.push(result);
    if (this.recentResults.length > RECENT_LIMIT) this.recentResults.shift();
    this.logger?.debug({ ...result, roomid: payload.roomid, taskid: payload.taskid }, delivered ? 'callback delivered' : 'callback dropped');
    return result;
  }

  private async attempt(body: string): Promise<{ httpStatus: number | null; error: string | null }> {
    try {
      const res = await request(this.opts.url, {
        dispatcher: this.agent,
        method: 'POST',
        headers: { 'content-type': 'application/json;charset=UTF-8' },
        body,
        signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      await res.body.dump();
      const ok = res.statusCode >= 200 && res.statusCode <= 299;
      return { httpStatus: res.statusCode, error: ok ? null : `HTTP ${res.statusCode}` };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const name = err instanceof Error ? err.name : 'Error';
      return { httpStatus: null, error: typeof code === 'string' ? code : name };
    }
  }
}
