import { describe, expect, it } from 'vitest';
import { redactUrl, redactUrlList } from './redact.js';

describe('redactUrl', () => {
  it.each([
    ['the vendor page example', 'rtmp://upstream.jocloud.com/live/test?auth_key=1585626386-0-0-8032e26583c58344e43cce3e251173b7', 'rtmp://upstream.jocloud.com/live/test?auth_key=REDACTED'],
    ['no query string', 'rtmp://a.example/live/s', 'rtmp://a.example/live/s'],
    ['other parameters kept, secret among them hidden', 'rtmp://a/live/s?x=1&auth_key=abc&y=2', 'rtmp://a/live/s?x=1&auth_key=REDACTED&y=2'],
    ['key names compared case-insensitively', 'rtmp://a/live/s?AUTH_KEY=abc', 'rtmp://a/live/s?AUTH_KEY=REDACTED'],
  ])('%s', (_reason, input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('redacts each address of a comma-joined list', () => {
    expect(redactUrlList('rtmp://a/x?auth_key=1,rtmp://b/y?auth_key=2')).toBe('rtmp://a/x?auth_key=REDACTED,rtmp://b/y?auth_key=REDACTED');
  });
});
