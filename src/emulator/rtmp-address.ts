// Push addresses as the vendor sees them: `rtmpurl` is one comma-joined string, and the callback
// names each address's `appname` and `streamname` from its path (`rtmp://host/{app}/{stream}?...`).

/** The addresses of an `rtmpurl` value, in order, without blanks or duplicates. */
export function splitRtmpUrls(rtmpurl: string): string[] {
  const seen = new Set<string>();
  for (const part of rtmpurl.split(',')) {
    const url = part.trim();
    if (url !== '') seen.add(url);
  }
  return [...seen];
}

/**
 * RTMP's convention: the last path segment is the stream name, everything before it the
 * application (which may itself contain `/`). The query string (auth_key...) belongs to neither.
 */
export function appAndStreamName(url: string): { appname: string; streamname: string } {
  const afterScheme = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  const path = afterScheme.split(/[?#]/, 1)[0] ?? '';
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.length === 0) return { appname: '', streamname: '' };
  if (segments.length === 1) return { appname: segments[0] ?? '', streamname: '' };
  return { appname: segments.slice(0, -1).join('/'), streamname: segments[segments.length - 1] ?? '' };
}
