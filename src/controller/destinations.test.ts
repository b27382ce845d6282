import { describe, expect, it } from 'vitest';
import { applyCallback, restartDue, streamingVerdict, type Destination } from './destinations.js';

const t0 = new Date('2026-11-25T10:00:00.000Z');
const at = (s: number): Date => new Date(t0.getTime() + s * 1000);
const url = 'rtmp://push.example.com/live/a?auth_key=secret1';
const url2 = 'rtmp://push.example.com/live/b';

function dest(over: Partial<Destination> = {}): Destination {
  return {
    url: 'rtmp://push.example.com/live/a?auth_key=REDACTED',
    state: 'Pushing',
    code: 3000,
    errcode: 0,
    description: 'ok',
    lastCallbackTime: t0.toISOString(),
    version: '5',
    ...over,
  };
}

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

  it('stores the url with its auth_key redacted and the version as digits', () => {
    const r = applyCallback([], { ...report, version: 18446744073709551615n }, at(1), 60_000);
    expect(r.destinations).toEqual([
      { url: 'rtmp://push.example.com/live/a?auth_key=REDACTED', state: 'Pushing', code: 3000, errcode: 0, description: 'ok', lastCallbackTime: at(1).toISOString(), version: '18446744073709551615' },
    ]);
  });
});

describe('streamingVerdict', () => {
  it.each<[string, string[], Destination[], number, string, string]>([
    ['every address pushing', [url], [dest()], 10, 'True', 'Pushing'],
    ['no report yet', [url], [], 10, 'Unknown', 'AwaitingCallback'],
    ['one of two addresses has not reported', [url, url2], [dest()], 10, 'Unknown', 'AwaitingCallback'],
    ['reports went silent past the staleness window', [url], [dest()], 301, 'Unknown', 'CallbacksStale'],
    ['an interrupted address makes it False', [url], [dest({ state: 'Interrupted', code: 3002, errcode: 1003 })], 10, 'False', 'Interrupted'],
    ['source unavailable', [url], [dest({ state: 'SourceUnavailable', code: 3001 })], 10, 'False', 'SourceUnavailable'],
    ['a destination no longer in the spec does not count', [url2], [dest({ state: 'Terminated', code: 3003 })], 10, 'Unknown', 'AwaitingCallback'],
  ])('%s', (_reason, urls, dests, seconds, status, reason) => {
    const v = streamingVerdict(urls, dests, at(seconds), 300_000);
    expect([v.status, v.reason]).toEqual([status, reason]);
  });

  it('explains the errcode in words the user can act on, without the auth key', () => {
    const v = streamingVerdict([url], [dest({ state: 'Interrupted', code: 3002, errcode: 1003 })], at(1), 300_000);
    expect(v.message).toContain('refresh the auth key');
    expect(v.message).not.toContain('secret1');
  });
});

describe('restartDue', () => {
  const terminated = dest({ state: 'Terminated', code: 3003, lastCallbackTime: at(20).toISOString() });
  it.each<[string, Destination[], string | undefined, number, number, boolean]>([
    ['3003 after our start: restart at once the first time', [terminated], at(10).toISOString(), 0, 21, true],
    ['3003 from before our last start is history', [terminated], at(30).toISOString(), 0, 31, false],
    ['second restart waits for the backoff', [terminated], at(10).toISOString(), 1, 15, false],
    ['second restart after the backoff', [terminated], at(10).toISOString(), 1, 21, true],
    ['pushing: nothing to do', [dest()], at(0).toISOString(), 0, 10, false],
  ])('%s', (_reason, dests, lastStart, restarts, seconds, due) => {
    expect(restartDue(dests, [url], lastStart, restarts, at(seconds)).due).toBe(due);
  });
});
