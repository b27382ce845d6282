import { describe, expect, it } from 'vitest';
import type { Condition, Destination } from '../api/v1alpha1/status.js';
import { RESTARTS_RESET_AFTER_MS } from './destinations.js';
import { deriveConditions, deriveStatus, streamingTransition, type DeriveContext, type DeriveInput } from './status-derive.js';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const URL = 'rtmp://push.example.com/live/a';
const ctx = (over: Partial<DeriveContext> = {}): DeriveContext => ({
  now: NOW,
  callbacksEnabled: true,
  staleMs: 300_000,
  pushFailingAfterMs: 120_000,
  pushFailingAfterRestarts: 3,
  ...over,
});
const cond = (type: string, status: Condition['status'], reason: string, at = '2026-11-28T11:59:00Z'): Condition => ({
  type,
  status,
  reason,
  message: `${type} ${reason}`,
  lastTransitionTime: at,
  observedGeneration: 2,
});
const dest = (state: Destination['state'], code: number, at = '2026-11-28T11:59:30.000Z'): Destination => ({ url: URL, state, code, errcode: 0, description: '', lastCallbackTime: at, version: '1' });
const input = (over: Partial<DeriveInput> = {}): DeriveInput => ({ conditions: [], active: true, suspend: false, rtmpurls: [URL], destinations: [], restarts: 0, ...over });
const of = (conditions: readonly Condition[], type: string): [string, string] | undefined => {
  const c = conditions.find((x) => x.type === type);
  return c === undefined ? undefined : [c.status, c.reason];
};

describe('deriveConditions: Ready (formerly readyFrom; one function for both writers)', () => {
  it.each<[string, Partial<DeriveInput>, Partial<DeriveContext>, [string, string] | undefined]>([
    ['synced and streaming', { conditions: [cond('Synced', 'True', 'Synced')], destinations: [dest('Pushing', 3000)] }, {}, ['True', 'Streaming']],
    ['synced, no callback yet', { conditions: [cond('Synced', 'True', 'Synced')] }, {}, ['Unknown', 'AwaitingCallback']],
    ['synced, an address interrupted', { conditions: [cond('Synced', 'True', 'Synced')], destinations: [dest('Interrupted', 3002)] }, {}, ['False', 'Interrupted']],
    ['synced, callbacks stale', { conditions: [cond('Synced', 'True', 'Synced')], destinations: [dest('Pushing', 3000, '2026-11-28T11:50:00.000Z')] }, {}, ['Unknown', 'CallbacksStale']],
    ['not synced wins over streaming', { conditions: [cond('Synced', 'False', 'InvalidSpec')], destinations: [dest('Pushing', 3000)] }, {}, ['False', 'InvalidSpec']],
    ['suspended is the declared state: Ready (kstatus Current)', { conditions: [cond('Synced', 'True', 'Suspended')], active: false, suspend: true }, {}, ['True', 'Suspended']],
    ['callbacks disabled: synced is enough', { conditions: [cond('Synced', 'True', 'Synced')] }, { callbacksEnabled: false }, ['True', 'Synced']],
    ['never reconciled: nothing derived', {}, {}, undefined],
    [
      'a push problem that lasts past the grace: PushFailing',
      { conditions: [cond('Synced', 'True', 'Synced'), cond('Streaming', 'False', 'Interrupted', '2026-11-28T11:50:00Z')], destinations: [dest('Interrupted', 3002)] },
      {},
      ['False', 'PushFailing'],
    ],
    ['terminated again and again: PushFailing', { conditions: [cond('Synced', 'True', 'Synced')], destinations: [dest('Terminated', 3003)], restarts: 3 }, {}, ['False', 'PushFailing']],
  ])('%s', (_name, over, c, want) => {
    expect(of(deriveConditions(input(over), ctx(c)).conditions, 'Ready')).toEqual(want);
  });
});

describe('deriveConditions: Stalled', () => {
  it.each<[string, string, Condition['status'], [string, string] | undefined]>([
    ['an invalid spec needs a human', 'InvalidSpec', 'False', ['True', 'InvalidSpec']],
    ['the vendor refused the request (2101)', 'InvalidParameter', 'False', ['True', 'InvalidParameter']],
    ['rejected credentials', 'CredentialsRejected', 'False', ['True', 'CredentialsRejected']],
    ['another task owns the identity', 'IdentityConflict', 'False', ['True', 'IdentityConflict']],
    ['a deletion whose stop keeps failing', 'StopFailing', 'False', ['True', 'DeletionBlocked']],
    ['a retryable failure is not stalled', 'VendorInternalError', 'False', undefined],
    ['synced is not stalled', 'Synced', 'True', undefined],
  ])('%s', (_name, reason, status, want) => {
    const derived = deriveConditions(input({ conditions: [cond('Synced', status, reason), cond('Stalled', 'True', 'Old')] }), ctx());
    expect(of(derived.conditions, 'Stalled')).toEqual(want);
  });
});

describe('deriveStatus', () => {
  // A push back for a moment and terminated again is one run of terminations: the count (and so
  // the restart backoff) starts over only once the push has stayed up RESTARTS_RESET_AFTER_MS.
  it.each<[string, Destination['state'], number, number | undefined]>([
    ['pushing again a moment after a restart: the run of terminations goes on', 'Pushing', 1_000, 2],
    ['pushing, but not yet for the reset time', 'Pushing', RESTARTS_RESET_AFTER_MS - 1, 2],
    ['pushing for the reset time since the last start: starts over', 'Pushing', RESTARTS_RESET_AFTER_MS, undefined],
    ['terminated, however long ago it started: kept', 'Terminated', RESTARTS_RESET_AFTER_MS * 2, 2],
  ])('the restart count: %s', (_name, state, sinceStart, want) => {
    const { status } = deriveStatus(
      {
        conditions: [cond('Synced', 'True', 'Synced')],
        active: { appid: '1', roomid: 'r', streamtype: 2, uid: 'u' },
        lastStartTime: new Date(NOW.getTime() - sinceStart).toISOString(),
        destinations: [dest(state, state === 'Pushing' ? 3000 : 3003)],
        restarts: 2,
      },
      { suspend: false, rtmpurls: [URL] },
      ctx(),
    );
    expect(status.restarts).toBe(want);
  });

  it('asks to look again when PushFailing becomes due', () => {
    const derived = deriveConditions(input({ conditions: [cond('Synced', 'True', 'Synced'), cond('Streaming', 'False', 'SourceUnavailable', '2026-11-28T11:59:00Z')], destinations: [dest('SourceUnavailable', 3001)] }), ctx());
    expect(derived.recheckAt?.toISOString()).toBe('2026-11-28T12:01:00.000Z');
  });
});

describe('streamingTransition', () => {
  it.each<[string, Condition | undefined, Condition, string | undefined]>([
    ['starts pushing', undefined, cond('Streaming', 'True', 'Pushing'), 'StreamingStarted'],
    ['an address breaks', cond('Streaming', 'True', 'Pushing'), cond('Streaming', 'False', 'Interrupted'), 'StreamingProblem'],
    ['no change of status: no Event', cond('Streaming', 'False', 'Interrupted'), cond('Streaming', 'False', 'Terminated'), undefined],
    ['stopped on purpose: no Event', cond('Streaming', 'True', 'Pushing'), cond('Streaming', 'False', 'NotPushing'), undefined],
  ])('%s', (_name, before, after, reason) => {
    expect(streamingTransition(before === undefined ? [] : [before], [after])?.reason).toBe(reason);
  });
});
