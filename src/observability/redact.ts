// CDN push addresses carry their credential in the query string (`?auth_key=...`, per the vendor
// page). Anything that leaves the process — logs, Events, status — goes through redactUrl first.
const secretQueryKeys = new Set(['auth_key', 'authkey', 'token', 'sign', 'signature', 'secret', 'key', 'txsecret', 'wssecret']);

export const REDACTED = 'REDACTED';

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const head = url.slice(0, q + 1);
  const query = url.slice(q + 1);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const key = pair.slice(0, eq);
      return secretQueryKeys.has(key.toLowerCase()) ? `${key}=${REDACTED}` : pair;
    })
    .join('&');
  return head + redacted;
}

/** Redacts every address of a comma-separated vendor `rtmpurl` value. */
export function redactUrlList(urls: string): string {
  return urls.split(',').map(redactUrl).join(',');
}
