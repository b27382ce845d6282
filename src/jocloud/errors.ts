// Every way a vendor call can fail, reduced to a stable code and a classification the reconciler
// acts on: `terminal` (fix the spec; don't retry until it changes), `credentials` (fix the Secret),
// `retryable` (back off and try again). Nothing here retries by itself.
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
  | 'DeadlineExceeded'
  | 'BadResponse';

export type VendorErrorClassification = 'terminal' | 'credentials' | 'retryable';

export interface VendorCodeClass {
  readonly code: VendorErrorCode;
  readonly classification: VendorErrorClassification;
}

const knownVendorCodes: ReadonlyMap<number, VendorCodeClass> = new Map([
  [1000, { code: 'NoToken', classification: 'credentials' }],
  [1001, { code: 'InvalidToken', classification: 'credentials' }],
  [1002, { code: 'NoAppid', classification: 'credentials' }],
  [2101, { code: 'InvalidParameter', classification: 'terminal' }],
  [2102, { code: 'AbnormalStreamStatus', classification: 'retryable' }],
  [2103, { code: 'VendorTimeout', classification: 'retryable' }],
  [2104, { code: 'VendorInternalError', classification: 'retryable' }],
]);

/**
 * Classifies a non-zero vendor response code. Codes the page does not list are retryable: the
 * reconciler backs off, and an unknown code is more likely a transient condition than a verdict on
 * the spec. (Code 0 is success and is never turned into an error; it classifies as unknown here.)
 */
export function classifyVendorCode(code: number): VendorCodeClass {
  return knownVendorCodes.get(code) ?? { code: 'UnknownVendorCode', classification: 'retryable' };
}

/** Non-2xx: 5xx, 408 and 429 are worth retrying; any other status means the request is wrong. */
export function classifyHttpStatus(status: number): VendorErrorClassification {
  if (status >= 500 || status === 408 || status === 429) return 'retryable';
  return 'terminal';
}

export interface VendorErrorInit {
  readonly code: VendorErrorCode;
  readonly classification: VendorErrorClassification;
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
  readonly endpoint: VendorEndpointName;
  /** The traceId we sent, to quote when asking the vendor about this call. */
  readonly traceId: string;
  readonly vendorCode?: number;
  readonly httpStatus?: number;

  constructor(init: VendorErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.classification = init.classification;
    this.endpoint = init.endpoint;
    this.traceId = init.traceId;
    if (init.vendorCode !== undefined) this.vendorCode = init.vendorCode;
    if (init.httpStatus !== undefined) this.httpStatus = init.httpStatus;
  }

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
