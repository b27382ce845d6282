// The production PushTaskClient: the jocloud HTTP client behind a per-appid rate limit, so one
// busy tenant (or a reconcile storm after a restart) can never exceed --vendor-qps toward the vendor.
import type { StartRtmpRequest } from '../jocloud/wire.js';
import type { JocloudClient } from '../jocloud/client.js';
import type { KeyedRateLimiter } from '../runtime/rate-limiter.js';
import type { Identity } from './decide.js';
import { stopRequestFor } from './desired-request.js';
import type { PushTaskClient, VendorAck, VendorCredentials } from './external.js';

export function vendorPushClient(client: JocloudClient, limiter: KeyedRateLimiter): PushTaskClient<StartRtmpRequest> {
  return {
    async start(request, credentials: VendorCredentials, signal): Promise<VendorAck> {
      await limiter.acquire(request.appid.toString(), signal);
      const r = await client.startRtmp(request, credentials, { signal });
      return { traceId: r.traceId, code: r.code, message: r.message };
    },
    async stop(identity: Identity, credentials: VendorCredentials, signal): Promise<VendorAck> {
      await limiter.acquire(identity.appid, signal);
      const r = await client.stopRtmp(stopRequestFor(identity), credentials, { signal });
      return { traceId: r.traceId, code: r.code, message: r.message };
    },
  };
}
