// The reconciler's only door to the vendor (Crossplane's "external client"). It has no observe
// call because the vendor has none: what the vendor runs is recorded in our status instead.
// Implementations add rate limiting and metrics around the HTTP client; tests can substitute one.
import type { Identity } from './decide.js';

export interface VendorCredentials {
  readonly restfulId: string;
  readonly restfulSecret: string;
}

export interface VendorAck {
  /** The traceId this operator sent; the vendor echoes it and support asks for it. */
  readonly traceId: string;
  readonly code: number;
  readonly message: string;
}

export interface PushTaskClient<R> {
  start(request: R, credentials: VendorCredentials, signal: AbortSignal): Promise<VendorAck>;
  stop(identity: Identity, credentials: VendorCredentials, signal: AbortSignal): Promise<VendorAck>;
}
