import { describe, expect, it } from 'vitest';
import { gatewayStatusVerdicts, vendorCodeVerdicts } from '../../test/fixtures/vendor-verdicts.js';
import { classifyHttpStatus, classifyVendorCode, scrubSecrets } from './errors.js';

describe('classifyVendorCode', () => {
  it.each(vendorCodeVerdicts)('%i → %s (%s, outcome %s)', (code, name, classification, outcome) => {
    expect(classifyVendorCode(code)).toEqual({ code: name, classification, outcome });
  });

  it('only 2101 is terminal', () => {
    const terminal = [1000, 1001, 1002, 2101, 2102, 2103, 2104, 2105, 0, 404].filter((c) => classifyVendorCode(c).classification === 'terminal');
    expect(terminal).toEqual([2101]);
  });
});

describe('classifyHttpStatus (an answer without a vendor code)', () => {
  it.each(gatewayStatusVerdicts)('HTTP %i → %s, outcome %s', (status, classification, outcome) => {
    expect(classifyHttpStatus(status)).toEqual({ classification, outcome });
  });

  it('redirects count as configuration errors too (they are not followed)', () => {
    expect(classifyHttpStatus(301)).toEqual({ classification: 'configuration', outcome: 'refused' });
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
