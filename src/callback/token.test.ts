import { describe, expect, it } from 'vitest';
import { authorized, presentedTokens, tokenCheck } from './token.js';

describe('tokenCheck', () => {
  const check = tokenCheck('correct-horse');
  it.each<[string, string | undefined, boolean]>([
    ['the token', 'correct-horse', true],
    ['a prefix', 'correct-hors', false],
    ['a longer string', 'correct-horse-battery', false],
    ['different case', 'Correct-horse', false],
    ['empty', '', false],
    ['absent', undefined, false],
  ])('%s', (_reason, presented, expected) => {
    expect(check(presented)).toBe(expected);
  });

  it('refuses an empty configured token', () => {
    expect(() => tokenCheck('')).toThrow(/empty/);
  });
});

describe('presentedTokens', () => {
  it.each<[string, string, Record<string, string>, string[]]>([
    ['query', 'token=a', {}, ['a']],
    ['bearer', '', { authorization: 'Bearer b' }, ['b']],
    ['both', 'token=a', { authorization: 'Bearer b' }, ['a', 'b']],
    ['basic is not bearer', '', { authorization: 'Basic Yjpj' }, []],
    ['bearer without a credential', '', { authorization: 'Bearer ' }, []],
    ['other query keys are ignored', 'auth_key=x', {}, []],
  ])('%s', (_reason, query, headers, expected) => {
    expect(presentedTokens(new URLSearchParams(query), headers)).toEqual(expected);
  });

  it('authorized if any presented token matches', () => {
    const check = tokenCheck('t');
    expect(authorized(check, ['x', 't'])).toBe(true);
    expect(authorized(check, ['x'])).toBe(false);
    expect(authorized(check, [])).toBe(false);
  });
});
