// Every way a vendor call can fail, reduced to a stable code and two verdicts the reconciler acts on.
//
// classification — what to do next:
//   `terminal`      the vendor's own 2101: this request is invalid; fix the spec, don't retry until it changes;
//   `credentials`   1000/1001/1002: fix the Secret;
//   `configuration` the vendor never saw the call: an HTTP 4xx from whatever answered (a gateway, a
//                   proxy, a wrong --jocloud-path-prefix) without a vendor code, or a TLS certificate
//                   that does not verify; fix the operator's settings (retry slowly, and at once when
//                   the Secret or the operator changes);
//   `retryable`     back off and try again.
// outcome — whether the vendor may have carried the call out:
//   `refused`  surely not (a vendor verdict on the request, a transport answer that never reached the
//              vendor, a connection that failed before anything was sent);
//   `unknown`  perhaps (a timeout, a reset after sending, HTTP 5xx, 2103, 2104, a malformed answer):
//              an unknown startrtmp must be taken as possibly running.
// Nothing here retries by itself.
import type { VendorEndpointName } from './endpoint.js';

export type VendorErrorCode =
  | 'InvalidParameter'
  | 'NoToken'
  | 'InvalidToken'
  | 'NoAppid'
  | 'AbnormalStreamStatus'
  | 'VendorTimeout'
  | 'VendorInternalError'
  | 'UnknownVendorCode'
  | 'HttpStatus'
  | 'Network'
  | 'Tls'
  | 'DeadlineExceeded'
  | 'BadResponse';

export type VendorErrorClassification = 'terminal' | 'credentials' | 'configuration' | 'retryable';

/** Whether the vendor may have carried the call out: `refused` = surely not. */
export type VendorCallOutcome = 'refused' | 'unknown';

export interface VendorCodeClass {
  readonly code: VendorErrorCode;
  readonly classification: VendorErrorClassification;
  readonly outcome: VendorCallOutcome;
}

// 2102 ("abnormal stream status") is `unknown`: the page does not say what was left running. On
// stoprtmp the client turns it into success (nothing to stop); see JocloudClient.stopRtmp.
const knownVendorCodes: ReadonlyMap<number, VendorCodeClass> = new Map([
  [1000, { code: 'NoToken', classification: 'credentials', outcome: 'refused' }],
  [1001, { code: 'InvalidToken', classification: 'credentials', outcome: 'refused' }],
  [1002, { code: 'NoAppid', classification: 'credentials', outcome: 'refused' }],
  [2101, { code: 'InvalidParameter', classification: 'terminal', outcome: 'refused' }],
  [2102, { code: 'AbnormalStreamStatus', classification: 'retryable', outcome: 'unknown' }],
  [2103, { code: 'VendorTimeout', classification: 'retryable', outcome: 'unknown' }],
  [2104, { code: 'VendorInternalError', classification: 'retryable', outcome: 'unknown' }],
]);

/** Whether the page lists this code: only then is a non-2xx answer's body the vendor's verdict. */
export function isKnownVendorCode(code: number): boolean {
  return knownVendorCodes.has(code);
}

/**
 * Classifies a non-zero vendor response code. Codes the page does not list are retryable with an
 * unknown outcome: an unknown code is more likely a transient condition than a verdict on the spec.
 * (Code 0 is success and is never turned into an error; it classifies as unknown here.)
 */
export function classifyVendorCode(code: number): VendorCodeClass {
  return knownVendorCodes.get(code) ?? { code: 'UnknownVendorCode', classification: 'retryable', outcome: 'unknown' };
}

/**
 * A non-2xx answer without a vendor code. 5xx and 408 may come from behind the gateway, after the
 * vendor acted: retryable, outcome unknown. 429 is a gateway's rate limit: retryable, refused.
 * Any other 4xx (401/403 from a proxy, 404 from a wrong path prefix) never reached the vendor's
 * API: a configuration error, refused. Redirects are not followed and count as configuration too.
 */
export function classifyHttpStatus(status: number): { classification: VendorErrorClassification; outcome: VendorCallOutcome } {
  if (status >= 500 || status === 408) return { classification: 'retryable', outcome: 'unknown' };
  if (status === 429) return { classification: 'retryable', outcome: 'refused' };
  return { classification: 'configuration', outcome: 'refused' };
}

export interface VendorErrorInit {
  readonly code: VendorErrorCode;
  readonly classification: VendorErrorClassification;
  readonly outcome: VendorCallOutcome;
  readonly endpoint: VendorEndpointName;
  readonly traceId: string;
  readonly message: string;
  readonly vendorCode?: number;
  readonly httpStatus?: number;
  readonly cause?: unknown;
}

export class VendorError extends Error {
  override readonly name = 'VendorError';
  readonly code: VendorErrorCode;
  readonly classification: VendorErrorClassification;
  /** Whether the vendor may have carried the call out; an `unknown` startrtmp may be running. */
  readonly outcome: VendorCallOutcome;
  readonly endpoint: VendorEndpointName;
  /** The traceId we sent, to quote when asking the vendor about this call. */
  readonly traceId: string;
  readonly vendorCode?: number;
  readonly httpStatus?: number;

  constructor(init: VendorErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.classification = init.classification;
    this.outcome = init.outcome;
    this.endpoint = init.endpoint;
    this.traceId = init.traceId;
    if (init.vendorCode !== undefined) this.vendorCode = init.vendorCode;
    if (init.httpStatus !== undefined) this.httpStatus = init.httpStatus;
  }

  /** Worth retrying soon with backoff (`configuration` is retried too, but slowly). */
  get retryable(): boolean {
    return this.classification === 'retryable';
  }
}

export function isVendorError(err: unknown): err is VendorError {
  return err instanceof VendorError;
}

// Vendor messages may echo what we sent (an rtmpurl with its auth_key, say). Query-style secrets are
// masked in any text that ends up in an error message, and so are the exact credential strings.
const secretAssignment = /\b(auth_key|authkey|token|sign|signature|secret|key|txsecret|wssecret)=[^&\s,"'}]*/gi;

export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(secretAssignment, '$1=REDACTED');
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join('REDACTED');
  }
  return out;
}
