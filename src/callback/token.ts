// The callback endpoint's only protection. The vendor signs nothing (its push-status callback documentation names no signature), so a shared token
// is the gate: configured in the vendor console as part of the callback URL (?token=...), or sent
// as `Authorization: Bearer ...` by a proxy in front. Compared in constant time: both sides are
// hashed to equal-length digests first, so neither the content nor the length of the configured
// token leaks through response timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type TokenCheck = (presented: string | undefined) => boolean;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function tokenCheck(expected: string): TokenCheck {
  if (expected === '') throw new Error('the callback token must not be empty');
  const want = digest(expected);
  return (presented) => presented !== undefined && timingSafeEqual(digest(presented), want);
}

/** The tokens a request presents: the `token` query parameter and a Bearer credential. */
export function presentedTokens(query: URLSearchParams, headers: IncomingHttpHeaders): string[] {
  const out = query.getAll('token');
  const auth = headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    if (m?.[1] !== undefined) out.push(m[1]);
  }
  return out;
}

/** Whether any presented token matches; every candidate is checked, so timing says nothing. */
export function authorized(check: TokenCheck, presented: readonly string[]): boolean {
  let ok = false;
  for (const p of presented) ok = check(p) || ok;
  return ok;
}
