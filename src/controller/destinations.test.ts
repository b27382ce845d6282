import { describe, expect, it } from 'vitest';
import { nextStaleCheck, restartDue, streamingVerdict, type Destination } from './destinations.js';
import { at, dest, url, url2 } from './testing/destinations.test-support.js';


describe('streamingVerdict', () => {
  it.each<[string, string[], Destination[], number, string, string]>([
    ['every address pushing', [url], [dest()], 10, 'True', 'Pushing'],
    ['no report yet', [url], [], 10, 'Unknown', 'AwaitingCallback'],
    ['one of two addresses has not reported', [url, url2], [dest()], 10, 'Unknown', 'AwaitingCallback'],
    ['reports went silent past the staleness window', [url], [dest()], 301, 'Unknown', 'CallbacksStale'],
    ['an interrupted address makes it False', [url], [dest({ state: 'Interrupted', code: 3002, errcode: 1003 })], 10, 'False', 'Interrupted'],
    ['source unavailable', [url], [dest({ state: 'SourceUnavailable', code: 3001 })], 10, 'False', 'SourceUnavailable'],
    ['a destination no longer in the spec does not count', [url2], [dest({ state: 'Terminated', code: 3003 })], 10, 'Unknown', 'AwaitingCallback'],
    ['a silent 3001 says nothing any more: Unknown, not False', [url], [dest({ state: 'SourceUnavailable', code: 3001 })], 301, 'Unknown', 'CallbacksStale'],
    ['a silent 3002 likewise', [url], [dest({ state: 'Interrupted', code: 3002 })], 301, 'Unknown', 'CallbacksStale'],
    ['a 3003 is sent once: it never goes stale', [url], [dest({ state: 'Terminated', code: 3003 })], 301, 'False', 'Terminated'],
    ['a fresh failure outweighs another address gone silent', [url, url2], [dest({ lastCallbackTime: at(-400).toISOString() }), dest({ url: url2, state: 'Interrupted', code: 3002 })], 10, 'False', 'Interrupted'],
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

describe('nextStaleCheck', () => {
  const silent = dest({ lastCallbackTime: at(-400).toISOString() });
  const fresh = dest({ url: url2, lastCallbackTime: at(0).toISOString() });
  it.each<[string, Destination[], Date | undefined, string | undefined]>([
    ['the oldest report, one second after it goes stale', [silent, fresh], undefined, at(-400 + 301).toISOString()],
    ['with now: reports already stale are left out', [silent, fresh], at(10), at(301).toISOString()],
    ['a 3003 never goes stale', [dest({ state: 'Terminated', code: 3003 })], at(10), undefined],
    ['a 3001 does', [dest({ state: 'SourceUnavailable', code: 3001 })], at(10), at(301).toISOString()],
  ])('%s', (_reason, dests, now, expected) => {
    expect(nextStaleCheck([url, url2], dests, 300_000, now)?.toISOString()).toBe(expected);
  });
});

describe('restartDue', () => {
  const terminated = dest({ state: 'Terminated', code: 3003, lastCallbackTime: at(20).toISOString() });
  it.each<[string, Destination[], string | undefined, number, number, boolean]>([
    ['3003 after our start: restart at once the first time', [terminated], at(10).toISOString(), 0, 21, true],
    ['3003 from before our last start is history', [terminated], at(30).toISOString(), 0, 31, false],
    ['3003 received just after our start may be the stopped task\'s: wait for the settle time', [terminated], at(18).toISOString(), 0, 21, false],
    ['3003 still standing once the settle time after our start has passed', [terminated], at(18).toISOString(), 0, 23, true],
    ['second restart waits for the backoff', [terminated], at(10).toISOString(), 1, 15, false],
    ['second restart after the backoff', [terminated], at(10).toISOString(), 1, 21, true],
    ['pushing: nothing to do', [dest()], at(0).toISOString(), 0, 10, false],
  ])('%s', (_reason, dests, lastStart, restarts, seconds, due) => {
    expect(restartDue(dests, [url], lastStart, restarts, at(seconds)).due).toBe(due);
  });
});
