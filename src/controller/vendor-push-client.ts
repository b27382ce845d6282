// The production PushTaskClient: the jocloud HTTP client behind a per-appid rate limit (one busy
// tenant, or a reconcile storm after a restart, never exceeds --vendor-qps toward the vendor) and a
// leadership guard (a replica that does not hold the Lease at this moment starts no call). Vendor
// errors become the meanings the reconciler acts on (external.ts).
import { isVendorError, type VendorError } from '../jocloud/errors.js';
import type { StartRtmpRequest } from '../jocloud/wire.js';
import type { JocloudClient } from '../jocloud/client.js';
import type { KeyedRateLimiter } from '../runtime/rate-limiter.js';
import type { Identity } from './decide.js';
import { stopRequestFor } from './desired-request.js';
import { NotLeading, VendorCallFailed, type PushTaskClient, type StopAck, type VendorAck, type VendorCredentials, type VendorFailureKind } from './external.js';

export interface VendorPushClientOptions {
  /** True only while this replica surely holds the leader Lease; checked right before each call. */
  readonly holdsLease?: () => boolean;
}

function kindOf(err: VendorError): VendorFailureKind {
  switch (err.classification) {
    case 'terminal':
      return 'InvalidRequest';
    case 'credentials':
      return 'CredentialsRejected';
    case 'configuration':
      return 'EndpointRejected';
    case 'retryable':
      return 'Retryable';
  }
}

function translate(err: unknown): unknown {
  if (!isVendorError(err)) return err;
  const kind = kindOf(err);
  return new VendorCallFailed(kind, err.outcome, err.code, err.traceId, err.message, err.vendorCode);
}

export function vendorPushClient(client: JocloudClient, limiter: KeyedRateLimiter, opts: VendorPushClientOptions = {}): PushTaskClient<StartRtmpRequest> {
  const guard = (): void => {
    if (opts.holdsLease !== undefined && !opts.holdsLease()) throw new NotLeading('this replica does not hold the leader Lease');
  };
  return {
    async start(request, credentials: VendorCredentials, signal): Promise<VendorAck> {
      await limiter.acquire(request.appid.toString(), signal);
      guard();
      try {
        const r = await client.startRtmp(request, credentials, { signal });
        return { traceId: r.traceId, code: r.code, message: r.message };
      } catch (err) {
        throw translate(err);
      }
    },
    async stop(identity: Identity, credentials: VendorCredentials, signal): Promise<StopAck> {
      await limiter.acquire(identity.appid, signal);
      guard();
      try {
        // The client answers a 2102 (no such running task) as a success with alreadyStopped.
        const r = await client.stopRtmp(stopRequestFor(identity), credentials, { signal });
        return { traceId: r.traceId, code: r.code, message: r.message, alreadyStopped: r.alreadyStopped };
      } catch (err) {
        throw translate(err);
      }
    },
  };
}
