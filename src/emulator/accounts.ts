// Who may call the emulator: accounts of (appid, restfulId, restfulSecret), checked the way the
// vendor page describes the `token` header failures: 1000 no token, 1001 bad token, 1002 no appid.
import { parseBasicToken } from '../jocloud/auth.js';

export interface Account {
  /** Decimal uint64, like the CRD's spec.appid. */
  readonly appid: string;
  readonly restfulId: string;
  readonly restfulSecret: string;
}

/** Used when no account is configured: the appid of the vendor page's samples and a well-known dev pair. */
export const devAccount: Account = { appid: '1470236061', restfulId: 'emulator', restfulSecret: 'emulator-secret' };

const UINT64_MAX = 2n ** 64n - 1n;

/** Canonical decimal form of a uint64 given as digits, or undefined when it is not one. */
export function canonicalAppid(raw: string): string | undefined {
  if (!/^\d{1,20}$/.test(raw)) return undefined;
  const n = BigInt(raw);
  return n <= UINT64_MAX ? n.toString() : undefined;
}

/** Parses `APPID:RESTFUL_ID:RESTFUL_SECRET` (the secret may itself contain `:`). */
export function parseAccountFlag(value: string): Account {
  const first = value.indexOf(':');
  const second = first < 0 ? -1 : value.indexOf(':', first + 1);
  if (first < 0 || second < 0) throw new TypeError('expected APPID:RESTFUL_ID:RESTFUL_SECRET');
  const appid = canonicalAppid(value.slice(0, first));
  const restfulId = value.slice(first + 1, second);
  const restfulSecret = value.slice(second + 1);
  if (appid === undefined) throw new TypeError('APPID must be a decimal uint64');
  if (restfulId === '' || restfulSecret === '') throw new TypeError('RESTFUL_ID and RESTFUL_SECRET must not be empty');
  return { appid, restfulId, restfulSecret };
}

export type AccessResult =
  | { readonly ok: true; readonly account: Account }
  | { readonly ok: false; readonly code: 1000 | 1001 | 1002; readonly message: string };

export function checkAccess(accounts: readonly Account[], tokenHeader: string | undefined, pathAppid: string): AccessResult {
  if (tokenHeader === undefined || tokenHeader.trim() === '') {
    return { ok: false, code: 1000, message: 'no token permission: the token header is missing' };
  }
  const creds = parseBasicToken(tokenHeader);
  if (creds === undefined) return { ok: false, code: 1001, message: 'invalid token: expected "Basic base64(restfulId:restfulSecret)"' };
  const holders = accounts.filter((a) => a.restfulId === creds.restfulId && a.restfulSecret === creds.restfulSecret);
  if (holders.length === 0) return { ok: false, code: 1001, message: 'invalid token: unknown restfulId or wrong restfulSecret' };
  const appid = canonicalAppid(pathAppid);
  const account = appid === undefined ? undefined : holders.find((a) => a.appid === appid);
  if (account === undefined) return { ok: false, code: 1002, message: `no appid: appid ${pathAppid} is not enabled for this token` };
  return { ok: true, account };
}
