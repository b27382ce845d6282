// startrtmp / stoprtmp as the vendor answers them, checks in the vendor's likely order: token (1000,
// 1001), appid (1002), body and rules (2101), body appid against path appid (1002), then the task
// itself (0, or 2102 for an unknown stop).
// Transport concerns (reading the body, faults, writing the answer) stay in server.ts.
import type { VendorEndpointName } from '../jocloud/endpoint.js';
import { parseVendorJson } from '../jocloud/json.js';
import { checkStartRtmpRequest, checkStopRtmpRequest, formatProblem } from '../jocloud/wire.js';
import { canonicalAppid, checkAccess, type Account } from './accounts.js';
import type { VendorAnswer, VendorEmulator } from './vendor-emulator.js';

export interface VendorCall {
  readonly endpoint: VendorEndpointName;
  /** The `{appid}` path segment as written. */
  readonly pathAppid: string;
  readonly token: string | undefined;
  readonly contentType: string | undefined;
  readonly traceId: string | undefined;
  readonly body: string;
}

export interface HandledCall extends VendorAnswer {
  /** The body as parsed, for the call log; undefined when it was not JSON. */
  readonly parsedBody: unknown;
}

const JSON_CONTENT_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

export function handleVendorCall(emulator: VendorEmulator, accounts: readonly Account[], call: VendorCall): HandledCall {
  let parsedBody: unknown;
  const answer = (code: number, message: string): HandledCall => ({ code, message, parsedBody });

  const access = checkAccess(accounts, call.token, call.pathAppid);
  if (!access.ok) return answer(access.code, access.message);

  if (call.contentType === undefined || !JSON_CONTENT_TYPE.test(call.contentType.trim())) {
    return answer(2101, `invalid parameter: Content-Type must be application/json;charset=UTF-8 (got ${JSON.stringify(call.contentType ?? '')})`);
  }
  if (call.traceId === undefined || call.traceId === '') return answer(2101, 'invalid parameter: the traceId query parameter is required');
  try {
    parsedBody = parseVendorJson(call.body);
  } catch {
    return answer(2101, 'invalid parameter: the body is not valid JSON');
  }
  // The rules run first, so a malformed appid in the body is a 2101 naming `appid`; a well-formed
  // one that differs from the path's is the vendor's "no appid".
  if (call.endpoint === 'startrtmp') {
    const check = checkStartRtmpRequest(parsedBody);
    if (!check.ok || check.value === undefined) return answer(2101, invalidParameter(check.problems));
    const mismatch = appidMismatch(check.value.appid, call.pathAppid);
    return mismatch === undefined ? { ...emulator.startRtmp(check.value), parsedBody } : answer(1002, mismatch);
  }
  const check = checkStopRtmpRequest(parsedBody);
  if (!check.ok || check.value === undefined) return answer(2101, invalidParameter(check.problems));
  const mismatch = appidMismatch(check.value.appid, call.pathAppid);
  return mismatch === undefined ? { ...emulator.stopRtmp(check.value), parsedBody } : answer(1002, mismatch);
}

function appidMismatch(bodyAppid: bigint, pathAppid: string): string | undefined {
  if (bodyAppid.toString() === canonicalAppid(pathAppid)) return undefined;
  return `no appid: appid ${bodyAppid.toString()} in the body does not match appid ${pathAppid} in the path`;
}

function invalidParameter(problems: readonly { path: string; rule: string }[]): string {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return `invalid parameter: ${first === undefined ? 'rejected' : formatProblem(first)}${more}`;
}
