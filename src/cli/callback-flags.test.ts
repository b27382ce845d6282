import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError, type CommandSpec } from './flags.js';
import { callbackFlags, resolveCallbackSettings } from './callback-flags.js';

const spec: CommandSpec = { name: 'run', summary: 'test', usage: 'run', flags: callbackFlags };
const files: Record<string, string> = { '/secrets/token': '  tok-from-file\n', '/secrets/empty': '\n' };
const readFile = (p: string): string => {
  const content = files[p];
  if (content === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  return content;
};
const resolve = (argv: string[], env: NodeJS.ProcessEnv = {}) => resolveCallbackSettings(parseCommand(spec, argv, env).values, readFile);

describe('resolveCallbackSettings', () => {
  it('defaults: :8082, 60s refresh, 5m stale', () => {
    expect(resolve(['--callback-token', 'tok'])).toEqual({ addr: ':8082', token: 'tok', allowUnauthenticated: false, refreshMs: 60_000, staleMs: 300_000 });
  });

  it.each<[string, string[], NodeJS.ProcessEnv, Partial<ReturnType<typeof resolve>>]>([
    ['token from a file, whitespace trimmed', ['--callback-token-file', '/secrets/token'], {}, { token: 'tok-from-file' }],
    ['token from the environment (the Helm chart sets it from a Secret)', [], { RTMP_OPERATOR_CALLBACK_TOKEN: 'env-tok' }, { token: 'env-tok' }],
    ['explicitly unauthenticated', ['--callback-allow-unauthenticated'], {}, { token: undefined, allowUnauthenticated: true }],
    ['durations in Go style', ['--callback-token', 't', '--status-refresh-interval', '30s', '--callback-stale-after', '2m'], {}, { refreshMs: 30_000, staleMs: 120_000 }],
    ['an address with a host', ['--callback-token', 't', '--callback-addr', '127.0.0.1:0'], {}, { addr: '127.0.0.1:0' }],
  ])('%s', (_reason, argv, env, expected) => {
    expect(resolve(argv, env)).toMatchObject(expected);
  });

  it.each<[string, string[], RegExp]>([
    ['no token and not explicitly unauthenticated', [], /needs --callback-token/],
    ['both a token and a token file', ['--callback-token', 't', '--callback-token-file', '/secrets/token'], /one, not both/],
    ['an unreadable token file (the message has no content)', ['--callback-token-file', '/nope'], /cannot read \/nope \(ENOENT\)/],
    ['an empty token file', ['--callback-token-file', '/secrets/empty'], /is empty/],
    ['a bad address', ['--callback-token', 't', '--callback-addr', 'localhost'], /--callback-addr/],
    ['a bad duration', ['--callback-token', 't', '--callback-stale-after', 'soon'], /--callback-stale-after/],
    ['a zero refresh interval', ['--callback-token', 't', '--status-refresh-interval', '0s'], /longer than 0/],
    ['a stale window not longer than the refresh interval', ['--callback-token', 't', '--status-refresh-interval', '5m', '--callback-stale-after', '5m'], /must be longer than --status-refresh-interval/],
  ])('usage error: %s', (_reason, argv, message) => {
    expect(() => resolve(argv)).toThrow(UsageError);
    expect(() => resolve(argv)).toThrow(message);
  });

  it('documents every flag', () => {
    for (const f of callbackFlags) expect(f.description.length).toBeGreaterThan(20);
  });
});
