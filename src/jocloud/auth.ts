// The vendor's "Basic HTTP Authentication": a custom `token` header (not `Authorization`) carrying
// `Basic base64(restfulId:restfulSecret)`. A static credential: no timestamp, nonce or signature.

/** The REST credential pair issued in the vendor console (Secret keys `restfulId`, `restfulSecret`). */
export interface Credentials {
  readonly restfulId: string;
  readonly restfulSecret: string;
}

export const TOKEN_HEADER = 'token';

export function basicToken(creds: Credentials): string {
  return `Basic ${Buffer.from(`${creds.restfulId}:${creds.restfulSecret}`, 'utf8').toString('base64')}`;
}

/**
 * Reads a `token` header value back into credentials; undefined when it is not `Basic <base64>` of
 * `id:secret`. The id may not contain `:` (as in RFC 7617); the secret may.
 */
export function parseBasicToken(header: string): Credentials | undefined {
  const m = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(header.trim());
  if (m?.[1] === undefined) return undefined;
  const decoded = Buffer.from(m[1], 'base64');
  // Buffer.from silently skips bad input; re-encoding proves the header was canonical base64.
  if (decoded.toString('base64') !== m[1]) return undefined;
  const text = decoded.toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { restfulId: text.slice(0, colon), restfulSecret: text.slice(colon + 1) };
}
