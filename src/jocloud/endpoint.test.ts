import { describe, expect, it } from 'vitest';
import { normalizePathPrefix, parseBaseUrl, resolveEndpoint, vendorRequestPath } from './endpoint.js';

describe('resolveEndpoint', () => {
  it.each([
    ['default is domestic', {}, 'https://api.jocloud.com'],
    ['domestic', { region: 'domestic' as const }, 'https://api.jocloud.com'],
    ['international', { region: 'international' as const }, 'https://api-oversea.jocloud.com'],
    ['explicit endpoint wins', { region: 'international' as const, endpoint: 'http://127.0.0.1:9090' }, 'http://127.0.0.1:9090'],
    ['empty endpoint falls back to region', { region: 'international' as const, endpoint: '' }, 'https://api-oversea.jocloud.com'],
  ])('%s', (_reason, opts, expected) => {
    expect(resolveEndpoint(opts)).toBe(expected);
  });
});

describe('parseBaseUrl', () => {
  it.each([
    ['bare host', 'https://api.jocloud.com', 'https://api.jocloud.com', ''],
    ['trailing slash', 'https://api.jocloud.com/', 'https://api.jocloud.com', ''],
    ['path prefix before /app', 'http://127.0.0.1:9090/jocloud/', 'http://127.0.0.1:9090', '/jocloud'],
  ])('%s', (_reason, input, origin, basePath) => {
    expect(parseBaseUrl(input)).toEqual({ origin, basePath });
  });

  it.each([
    ['relative', '/app'],
    ['not http', 'ftp://x'],
    ['query string', 'https://x/?a=1'],
    ['user info', 'https://u:p@x/'],
  ])('rejects %s', (_reason, input) => {
    expect(() => parseBaseUrl(input)).toThrow(TypeError);
  });
});

describe('vendorRequestPath', () => {
  it('matches the vendor sample', () => {
    expect(vendorRequestPath({ origin: 'https://api.jocloud.com', basePath: '' }, 'v2/rtmpforward', 1470236061n, 'startrtmp', 'biz201909121223210013')).toBe(
      '/app/1470236061/v2/rtmpforward/startrtmp?traceId=biz201909121223210013',
    );
  });

  it('keeps a base path and a uint64 appid exactly', () => {
    expect(vendorRequestPath({ origin: 'http://h', basePath: '/mock' }, '/v1/recordoss/', 18446744073709551615n, 'stoprtmp', 'a b')).toBe(
      '/mock/app/18446744073709551615/v1/recordoss/stoprtmp?traceId=a%20b',
    );
  });
});

describe('normalizePathPrefix', () => {
  it.each([
    [undefined, 'v2/rtmpforward'],
    ['', 'v2/rtmpforward'],
    ['/v1/recordoss/', 'v1/recordoss'],
  ])('%s → %s', (input, expected) => {
    expect(normalizePathPrefix(input)).toBe(expected);
  });
});
