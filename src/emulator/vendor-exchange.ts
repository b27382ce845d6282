// One vendor call from arrival to answer: read the body, pick a fault, carry the call out (before
// a fault's effect when the fault says carryOut), answer, and record it all in the call log.
// server.ts routes; vendor-routes.ts decides what the vendor answers; this file is the exchange.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VendorEndpointName } from '../jocloud/endpoint.js';
import { INSTANCE_HEADER } from '../jocloud/instance.js';
import { parseVendorJson } from '../jocloud/json.js';
import type { Logger } from '../observability/logger.js';
import type { Account } from './accounts.js';
import { tokenFingerprint, type CallLog } from './call-log.js';
import type { CallRecord, Fault } from './control-api.js';
import type { FaultRegistry } from './faults.js';
import { BodyTooLargeError, readBody, sendJson, sendText } from './http-io.js';
import { toJsonSafe } from './json-safe.js';
import type { VendorEmulator } from './vendor-emulator.js';
import { handleVendorCall } from './vendor-routes.js';

export interface ExchangeDeps {
  readonly emulator: VendorEmulator;
  readonly accounts: readonly Account[];
  readonly calls: CallLog;
  readonly faults: FaultRegistry;
  /** Aborted when the emulator closes: a delayed answer then drops its connection. */
  readonly closing: AbortSignal;
  readonly maxBodyBytes: number;
  readonly logger?: Logger | undefined;
}

export interface VendorRoute {
  readonly endpoint: VendorEndpointName;
  /** The `{appid}` path segment as written. */
  readonly pathAppid: string;
  readonly pathPrefix: string;
  readonly traceId: string | undefined;
}

type Outcome = Pick<CallRecord, 'code' | 'httpStatus' | 'message' | 'outcome' | 'fault'>;

export async function serveVendorCall(deps: ExchangeDeps, req: IncomingMessage, res: ServerResponse, route: VendorRoute): Promise<void> {
  const { endpoint, pathAppid, traceId } = route;
  const token = header(req, 'token');
  const instance = header(req, INSTANCE_HEADER);
  const arrived = new Date().toISOString();
  // What is known of the call so far, for its record: filled in as the exchange goes on.
  const seen: { body: string; parsed: unknown; appliedCode: number | null } = { body: '', parsed: undefined, appliedCode: null };

  const record = (o: Outcome): void => {
    const bodyFields = seen.parsed === undefined ? { body: null, rawBody: seen.body.slice(0, 4096) } : { body: toJsonSafe(seen.parsed), rawBody: null };
    deps.calls.add({
      at: arrived,
      endpoint,
      traceId: traceId ?? null,
      appid: pathAppid,
      pathPrefix: route.pathPrefix,
      tokenSha256: tokenFingerprint(token),
      instance: instance ?? null,
      peer: req.socket.remoteAddress === undefined ? null : `${req.socket.remoteAddress}:${req.socket.remotePort ?? 0}`,
      ...bodyFields,
      ...o,
      appliedCode: seen.appliedCode,
      doneAt: new Date().toISOString(),
    });
    deps.logger?.info({ endpoint, traceId, appid: pathAppid, instance, code: o.code, appliedCode: seen.appliedCode, httpStatus: o.httpStatus, outcome: o.outcome, fault: o.fault }, 'vendor call');
  };
  // A client past its deadline has closed the connection: an answer then is written to nobody.
  const clientGone = (): boolean => res.destroyed || req.socket.destroyed;
  const answer = (code: number, message: string, fault: Fault | undefined, httpStatus = 200): void => {
    record({ code, httpStatus, message, outcome: clientGone() ? 'abandoned' : 'answered', fault: fault?.id ?? null });
    sendJson(res, httpStatus, JSON.stringify({ code, message, traceId: traceId ?? '' }));
  };
  const drop = (outcome: 'hang' | 'reset', fault: Fault): void => {
    record({ code: null, httpStatus: null, message: null, outcome, fault: fault.id });
  };
  const carryOut = (): { code: number; message: string } => {
    const handled = handleVendorCall(deps.emulator, deps.accounts, { endpoint, pathAppid, token, contentType: header(req, 'content-type'), traceId, body: seen.body });
    seen.appliedCode = handled.code;
    return handled;
  };

  try {
    seen.body = await readBody(req, deps.maxBodyBytes);
  } catch (err) {
    if (!(err instanceof BodyTooLargeError)) throw err;
    seen.appliedCode = 2101;
    answer(2101, `invalid parameter: ${err.message}`, undefined);
    return;
  }
  seen.parsed = tryParse(seen.body);

  const fault = deps.faults.take({ endpoint, body: seen.parsed, instance });
  if (fault === undefined) {
    const handled = carryOut();
    answer(handled.code, handled.message, undefined);
    return;
  }
  let handled = fault.carryOut ? carryOut() : undefined;
  if (fault.latencyMs !== null) {
    try {
      await sleep(fault.latencyMs, undefined, { signal: deps.closing });
    } catch {
      drop('reset', fault);
      res.destroy();
      return;
    }
  }
  if (fault.hang) {
    drop('hang', fault);
    return; // The socket stays open until the client gives up or the emulator closes.
  }
  if (fault.reset) {
    drop('reset', fault);
    req.socket.destroy();
    return;
  }
  if (fault.httpStatus !== null) {
    const message = `injected fault ${fault.id}: HTTP ${fault.httpStatus}`;
    if (fault.code !== null) {
      answer(fault.code, message, fault, fault.httpStatus);
    } else {
      // A gateway's or proxy's answer: no vendor code in it.
      record({ code: null, httpStatus: fault.httpStatus, message, outcome: clientGone() ? 'abandoned' : 'answered', fault: fault.id });
      sendText(res, fault.httpStatus, message);
    }
    return;
  }
  if (fault.code !== null) {
    answer(fault.code, `injected fault ${fault.id}`, fault);
    return;
  }
  // Latency alone: the call is carried out (now, or already) and answered late.
  handled ??= carryOut();
  answer(handled.code, handled.message, fault);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function tryParse(body: string): unknown {
  try {
    return parseVendorJson(body);
  } catch {
    return undefined;
  }
}
