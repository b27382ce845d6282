import { describe, expect, it } from 'vitest';
import { parseVendorJson, stringifyVendorJson } from './json.js';

const uint64Max = 18446744073709551615n;

describe('stringifyVendorJson', () => {
  it.each([
    ['uint64 max, beyond Number precision', { appid: uint64Max }, '{"appid":18446744073709551615}'],
    ['the vendor sample appid', { appid: 1470236061n, roomid: '123' }, '{"appid":1470236061,"roomid":"123"}'],
    ['zero', { version: 0n }, '{"version":0}'],
    ['nested bigint', { a: [{ appid: 2n ** 60n + 1n }] }, '{"a":[{"appid":1152921504606846977}]}'],
    ['plain numbers untouched', { streamtype: 1, alpha: 0.5 }, '{"streamtype":1,"alpha":0.5}'],
  ])('%s', (_reason, value, expected) => {
    expect(stringifyVendorJson(value)).toBe(expected);
  });
});

describe('parseVendorJson', () => {
  it('reads uint64 max exactly under appid and version', () => {
    expect(parseVendorJson('{"appid":18446744073709551615,"version":18446744073709551614}')).toEqual({
      appid: uint64Max,
      version: uint64Max - 1n,
    });
  });

  it.each([
    ['a string appid stays a string (the schema decides)', '{"appid":"123"}', { appid: '123' }],
    ['a fractional appid stays a number', '{"appid":1.5}', { appid: 1.5 }],
    ['an exponent appid stays a number', '{"appid":1e3}', { appid: 1000 }],
    ['other integer keys stay numbers', '{"streamtype":2,"code":2101}', { streamtype: 2, code: 2101 }],
    ['nested appid becomes bigint', '{"x":{"appid":7}}', { x: { appid: 7n } }],
  ])('%s', (_reason, text, expected) => {
    expect(parseVendorJson(text)).toEqual(expected);
  });

  it('round-trips 18446744073709551615 as a JSON number', () => {
    const text = '{"appid":18446744073709551615,"roomid":"r"}';
    const parsed = parseVendorJson(text);
    expect(stringifyVendorJson(parsed)).toBe(text);
  });

  it('throws on text that is not JSON', () => {
    expect(() => parseVendorJson('{not json')).toThrow(SyntaxError);
  });
});
