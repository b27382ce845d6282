// A failed exchange with no vendor answer, turned into a VendorError. The question that matters
// beyond "retry?" is whether the request may have reached the vendor: a connection that never
// opened (refused, unresolvable, handshake rejected) sent nothing; a timeout or a reset may have
// come after the vendor acted.
import { VendorError, type VendorCallOutcome, type VendorErrorClassification } from './errors.js';
import type { VendorEndpointName } from './endpoint.js';

export interface TransportContext {
  readonly endpoint: VendorEndpointName;
  readonly traceId: string;
}

// undici error codes that mean "the peer took too long" rather than "the peer is unreachable".
const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const malformedCodes = new Set(['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'HPE_INVALID_CONSTANT', 'HPE_INVALID_HEADER_TOKEN', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);
/** The connection was never established, so the request was never sent. */
const notConnectedCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);
/** The TLS handshake failed: nothing was sent, and retrying will not help until the setup changes. */
const tlsCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

export function transportError(ctx: TransportContext, err: unknown, deadline: AbortSignal, callerSignal: AbortSignal | undefined): VendorError {
  const base = { endpoint: ctx.endpoint, traceId: ctx.traceId, cause: err };
  // A deadline or a cancellation may strike while connecting or after the vendor acted: unknown.
  if (deadline.aborted) {
    return new VendorError({ ...base, code: 'DeadlineExceeded', classification: 'retryable', outcome: 'unknown', message: `${ctx.endpoint}: no answer from the vendor within the deadline` });
  }
  if (callerSignal?.aborted === true) {
    return new VendorError({ ...base, code: 'DeadlineExceeded', classification: 'retryable', outcome: 'unknown', message: `${ctx.endpoint}: cancelled before the vendor answered` });
  }
  const code = errorCode(err);
  const detail = code ?? (err instanceof Error ? err.name : 'unknown error');
  const kind = kindOf(code);
  return new VendorError({ ...base, ...kind, message: `${ctx.endpoint}: ${wording[kind.code]} (${detail})` });
}

type TransportCode = 'Network' | 'BadResponse' | 'DeadlineExceeded' | 'Tls';
interface Kind {
  readonly code: TransportCode;
  readonly classification: VendorErrorClassification;
  readonly outcome: VendorCallOutcome;
}

function kindOf(code: string | undefined): Kind {
  if (code === undefined) return { code: 'Network', classification: 'retryable', outcome: 'unknown' };
  if (timeoutCodes.has(code)) return { code: 'DeadlineExceeded', classification: 'retryable', outcome: 'unknown' };
  if (malformedCodes.has(code) || code.startsWith('HPE_')) return { code: 'BadResponse', classification: 'retryable', outcome: 'unknown' };
  if (tlsCodes.has(code)) return { code: 'Tls', classification: 'configuration', outcome: 'refused' };
  if (notConnectedCodes.has(code)) return { code: 'Network', classification: 'retryable', outcome: 'refused' };
  return { code: 'Network', classification: 'retryable', outcome: 'unknown' };
}

const wording: Record<TransportCode, string> = {
  Network: 'cannot reach the vendor',
  BadResponse: 'malformed vendor response',
  DeadlineExceeded: 'vendor too slow',
  Tls: 'the TLS handshake with the vendor failed (check the endpoint and its certificate)',
};

function errorCode(err: unknown): string | undefined {
  // undici wraps socket errors (UND_ERR_SOCKET); the errno (ECONNRESET, ECONNREFUSED) may sit on a cause.
  const codes: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const c = (e as Error & { code?: unknown }).code;
    if (typeof c === 'string') codes.push(c);
  }
  return codes.find((c) => c !== 'UND_ERR_SOCKET') ?? codes[0];
}
