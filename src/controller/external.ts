// The reconciler's only door to the vendor (Crossplane's "external client"). It has no observe
// call because the vendor has none: what the vendor runs is recorded in our status instead.
// Vendor quirks stay behind this interface (a stop of a task that is not running is a success;
// which failures prove the vendor did nothing), so the reconciler decides on meanings, not codes.
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

export interface StopAck extends VendorAck {
  /** The vendor had no such running task (2102): as good as stopped. */
  readonly alreadyStopped: boolean;
}

/**
 * What a failure means for the task: `InvalidRequest` (the vendor's 2101: not retried until the
 * spec changes), `CredentialsRejected` (1000-1002), `EndpointRejected` (refused on the way, an HTTP
 * 4xx without a vendor answer: a configuration error), `Retryable` (everything else).
 */
export type VendorFailureKind = 'InvalidRequest' | 'CredentialsRejected' | 'EndpointRejected' | 'Retryable';

export class VendorCallFailed extends Error {
  override readonly name = 'VendorCallFailed';

  constructor(
    readonly kind: VendorFailureKind,
    /** `refused`: the vendor surely did not carry the call out; `unknown`: it may have. */
    readonly outcome: 'refused' | 'unknown',
    /** A stable CamelCase code for conditions and metrics (VendorTimeout, Network, ...). */
    readonly code: string,
    readonly traceId: string,
    message: string,
    readonly vendorCode?: number,
  ) {
    super(message);
  }
}

/** This replica does not hold the leader Lease at this moment: no vendor call may start. */
export class NotLeading extends Error {
  override readonly name = 'NotLeading';
}

export interface PushTaskClient<R> {
  start(request: R, credentials: VendorCredentials, signal: AbortSignal): Promise<VendorAck>;
  stop(identity: Identity, credentials: VendorCredentials, signal: AbortSignal): Promise<StopAck>;
}
