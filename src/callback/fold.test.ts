import { describe, expect, it } from 'vitest';
import { applyCallback, cleanDescription, MAX_DESCRIPTION_LENGTH } from './fold.js';
import type { Destination } from '../controller/destinations.js';
import { at, dest, url, url2 } from '../controller/testing/destinations.test-support.js';


describe('applyCallback', () => {
  const report = { url, status: 3000, errcode: 0, description: 'ok', version: 6n };
  it.each<[string, Destination[], Partial<typeof report>, number, string]>([
    ['first report for an address is a state change', [], {}, 1, 'state-changed'],
    ['same state within the refresh interval costs no write', [dest()], {}, 30, 'unchanged'],
    ['same state after the refresh interval refreshes lastCallbackTime', [dest()], {}, 61, 'refreshed'],
    ['new state is written at once', [dest()], { status: 3002, errcode: 1003 }, 1, 'state-changed'],
    ['an older version is ignored', [dest({ version: '9' })], { status: 3002 }, 1, 'stale-version'],
    ['an equal version is ignored (duplicate delivery)', [dest({ version: '6' })], { status: 3002 }, 1, 'stale-version'],
    ['unknown status codes are ignored', [dest()], { status: 4000 }, 1, 'unchanged'],
  ])('%s', (_reason, before, change, seconds, outcome) => {
    const r = applyCallback(before, { ...report, ...change }, at(seconds), 60_000);
    expect(r.outcome).toBe(outcome);
  });

  it('a 3003 after a restart is a new termination, even with the same errcode and description', () => {
    const terminated = dest({ state: 'Terminated', code: 3003, lastCallbackTime: at(0).toISOString() });
    const again = { ...report, status: 3003, version: 7n };
    expect(applyCallback([terminated], again, at(10), 60_000).outcome).toBe('unchanged');
    expect(applyCallback([terminated], again, at(10), 60_000, at(5).getTime()).outcome).toBe('state-changed');
  });

  it('stores the url with its auth_key redacted and the version as digits', () => {
    const r = applyCallback([], { ...report, version: 18446744073709551615n }, at(1), 60_000);
    expect(r.destinations).toEqual([
      { url: 'rtmp://push.example.com/live/a?auth_key=REDACTED', state: 'Pushing', code: 3000, errcode: 0, description: 'ok', lastCallbackTime: at(1).toISOString(), version: '18446744073709551615' },
    ]);
  });
});

describe('cleanDescription', () => {
  it.each<[string, string, string]>([
    ['plain text is kept', 'Normal stream pushing', 'Normal stream pushing'],
    ['an address quoted with its auth key is redacted', `push to ${url} rejected`, 'push to rtmp://push.example.com/live/a?auth_key=REDACTED rejected'],
    ['every address, whatever the scheme', 'a rtmps://x/y?token=t1, b https://z/w?sign=s2;', 'a rtmps://x/y?token=REDACTED, b https://z/w?sign=REDACTED;'],
    ['an address without secrets is left alone', `see ${url2}`, `see ${url2}`],
  ])('%s', (_reason, text, expected) => {
    expect(cleanDescription(text)).toBe(expected);
  });

  it('caps a long description', () => {
    const out = cleanDescription('x'.repeat(5000));
    expect(out).toHaveLength(MAX_DESCRIPTION_LENGTH);
    expect(out.endsWith('...')).toBe(true);
  });

  it('is what applyCallback stores', () => {
    const r = applyCallback([], { url, status: 3002, errcode: 1003, description: `rejected: ${url}`, version: 1n }, at(1), 60_000);
    expect(r.destinations[0]?.description).toBe('rejected: rtmp://push.example.com/live/a?auth_key=REDACTED');
  });
});

