import { describe, expect, it } from 'vitest';
import { classifyHttpStatus, classifyVendorCode, scrubSecrets } from './errors.js';

describe('classifyVendorCode', () => {
  it.each([
    [1000, 'NoToken', 'credentials'],
    [1001, 'InvalidToken', 'credentials'],
    [1002, 'NoAppid', 'credentials'],
    [2101, 'InvalidParameter', 'terminal'],
    [2102, 'AbnormalStreamStatus', 'retryable'],
    [2103, 'VendorTimeout', 'retryable'],
    [2104, 'VendorInternalError', 'retryable'],
    [2105, 'UnknownVendorCode', 'retryable'],
    [-1, 'UnknownVendorCode', 'retryable'],
  ])('%i → %s (%s)', (code, name, classification) => {
    expect(classifyVendorCode(code)).toEqual({ code: name, classification });
  });
});

describe('classifyHttpStatus', () => {
  it.each([
    [500, 'retryable'],
    [502, 'retryable'],
    [503, 'retryable'],
    [408, 'retryable'],
    [429, 'retryable'],
    [400, 'terminal'],
    [401, 'terminal'],
    [404, 'terminal'],
    [301, 'terminal'],
  ])('HTTP %i → %s', (status, classification) => {
    expect(classifyHttpStatus(status)).toBe(classification);
  });
});

describe('scrubSecrets', () => {
  it.each([
    ['auth_key in an echoed address', 'bad rtmpurl rtmp://a/live/s?auth_key=123-0-0-abc,rtmp://b/x', 'bad rtmpurl rtmp://a/live/s?auth_key=REDACTED,rtmp://b/x'],
    ['other query secrets', 'x?sign=abc&txSecret=def&n=1', 'x?sign=REDACTED&txSecret=REDACTED&n=1'],
    ['exact credential strings', 'token for my-id-123 with s3cr3t-value rejected', 'token for REDACTED with REDACTED rejected'],
  ])('%s', (_reason, input, expected) => {
    expect(scrubSecrets(input, ['my-id-123', 's3cr3t-value'])).toBe(expected);
  });
});
