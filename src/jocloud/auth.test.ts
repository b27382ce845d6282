import { describe, expect, it } from 'vitest';
import { basicToken, parseBasicToken } from './auth.js';

describe('basicToken', () => {
  it('is Basic base64 of id:secret', () => {
    expect(basicToken({ restfulId: 'Aladdin', restfulSecret: 'open sesame' })).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });

  it('encodes UTF-8', () => {
    expect(basicToken({ restfulId: 'é', restfulSecret: 'ü' })).toBe(`Basic ${Buffer.from('é:ü', 'utf8').toString('base64')}`);
  });
});

describe('parseBasicToken', () => {
  it('inverts basicToken, keeping colons in the secret', () => {
    const creds = { restfulId: 'id-1', restfulSecret: 'se:cr:et' };
    expect(parseBasicToken(basicToken(creds))).toEqual(creds);
  });

  it.each([
    ['empty', ''],
    ['Bearer scheme', 'Bearer abc'],
    ['no scheme', 'aWQ6c2VjcmV0'],
    ['not base64', 'Basic !!!'],
    ['non-canonical base64', 'Basic aWQ6c2VjcmV0='],
    ['no colon', `Basic ${Buffer.from('idsecret').toString('base64')}`],
    ['empty id', `Basic ${Buffer.from(':secret').toString('base64')}`],
  ])('rejects %s', (_reason, header) => {
    expect(parseBasicToken(header)).toBeUndefined();
  });
});
