import { describe, expect, it } from 'vitest';
import { basicToken } from '../jocloud/auth.js';
import { checkAccess, parseAccountFlag, type Account } from './accounts.js';

const a: Account = { appid: '1470236061', restfulId: 'id-a', restfulSecret: 'secret-a' };
const b: Account = { appid: '18446744073709551615', restfulId: 'id-a', restfulSecret: 'secret-a' };
const accounts = [a, b];

describe('checkAccess', () => {
  it.each([
    ['valid token and appid', basicToken(a), '1470236061', 0],
    ['same credentials, second appid (uint64 max)', basicToken(a), '18446744073709551615', 0],
    ['no token header', undefined, '1470236061', 1000],
    ['blank token header', '  ', '1470236061', 1000],
    ['not Basic', 'Bearer x', '1470236061', 1001],
    ['wrong secret', basicToken({ restfulId: 'id-a', restfulSecret: 'nope' }), '1470236061', 1001],
    ['unknown id', basicToken({ restfulId: 'id-z', restfulSecret: 'secret-a' }), '1470236061', 1001],
    ['appid not enabled', basicToken(a), '42', 1002],
    ['appid not a number', basicToken(a), 'abc', 1002],
    ['appid above uint64', basicToken(a), '18446744073709551616', 1002],
  ])('%s → %i', (_reason, token, appid, code) => {
    const result = checkAccess(accounts, token, appid);
    expect(result.ok ? 0 : result.code).toBe(code);
  });

  it('treats leading zeros in the path appid as the same number', () => {
    expect(checkAccess(accounts, basicToken(a), '01470236061').ok).toBe(true);
  });
});

describe('parseAccountFlag', () => {
  it('splits on the first two colons only', () => {
    expect(parseAccountFlag('1470236061:id:se:cret')).toEqual({ appid: '1470236061', restfulId: 'id', restfulSecret: 'se:cret' });
  });

  it.each([
    ['missing secret', '1:id'],
    ['empty id', '1::s'],
    ['appid not digits', 'x:id:s'],
    ['appid beyond uint64', '18446744073709551616:id:s'],
  ])('rejects %s', (_reason, value) => {
    expect(() => parseAccountFlag(value)).toThrow(TypeError);
  });
});
