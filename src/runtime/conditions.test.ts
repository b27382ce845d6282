import { describe, expect, it } from 'vitest';
import { deepEqual } from './deep-equal.js';
import {
  conditionsEqual,
  getCondition,
  isConditionTrue,
  removeCondition,
  setCondition,
  statusChanged,
  toRfc3339,
  type Condition,
  type ConditionUpdate,
} from './conditions.js';

const earlier = '2026-11-01T08:00:00Z';
const now = new Date('2026-11-04T10:30:15.678Z');
const nowText = '2026-11-04T10:30:15Z';

const synced: Condition = {
  type: 'Synced',
  status: 'True',
  reason: 'Accepted',
  message: 'vendor accepted the request',
  lastTransitionTime: earlier,
  observedGeneration: 1,
};
const ready: Condition = {
  type: 'Ready',
  status: 'False',
  reason: 'Starting',
  message: 'waiting for the first callback',
  lastTransitionTime: earlier,
  observedGeneration: 1,
};

describe('setCondition', () => {
  it.each<{ reason: string; before: Condition[] | undefined; next: ConditionUpdate; expected: Condition[] }>([
    {
      reason: 'appends a new type with lastTransitionTime now',
      before: undefined,
      next: { type: 'Synced', status: 'True', reason: 'Accepted', message: 'ok' },
      expected: [{ type: 'Synced', status: 'True', reason: 'Accepted', message: 'ok', lastTransitionTime: nowText, observedGeneration: 3 }],
    },
    {
      reason: 'keeps lastTransitionTime when only reason and message change',
      before: [synced, ready],
      next: { type: 'Ready', status: 'False', reason: 'SourceUnavailable', message: 'cannot pull' },
      expected: [
        synced,
        { type: 'Ready', status: 'False', reason: 'SourceUnavailable', message: 'cannot pull', lastTransitionTime: earlier, observedGeneration: 3 },
      ],
    },
    {
      reason: 'moves lastTransitionTime when the status flips, keeping the list order',
      before: [synced, ready],
      next: { type: 'Synced', status: 'False', reason: 'InvalidParameter', message: 'code 2101' },
      expected: [
        { type: 'Synced', status: 'False', reason: 'InvalidParameter', message: 'code 2101', lastTransitionTime: nowText, observedGeneration: 3 },
        ready,
      ],
    },
    {
      reason: 'treats Unknown as a status of its own',
      before: [ready],
      next: { type: 'Ready', status: 'Unknown', reason: 'CallbackStale', message: 'no callback for 5m' },
      expected: [{ type: 'Ready', status: 'Unknown', reason: 'CallbackStale', message: 'no callback for 5m', lastTransitionTime: nowText, observedGeneration: 3 }],
    },
    {
      reason: 'always records the observed generation, even when nothing else changes',
      before: [synced],
      next: { type: 'Synced', status: 'True', reason: 'Accepted', message: 'vendor accepted the request' },
      expected: [{ ...synced, observedGeneration: 3 }],
    },
  ])('$reason', ({ before, next, expected }) => {
    const frozen = before === undefined ? undefined : structuredClone(before);
    const after = setCondition(before, next, { observedGeneration: 3, now });
    expect(after).toEqual(expected);
    // The input list is not modified.
    expect(before).toEqual(frozen);
  });
});

describe('getCondition / isConditionTrue / removeCondition', () => {
  it.each([
    { reason: 'finds a condition by type', type: 'Ready', found: ready, isTrue: false },
    { reason: 'a True condition', type: 'Synced', found: synced, isTrue: true },
    { reason: 'a missing type', type: 'Streaming', found: undefined, isTrue: false },
  ])('$reason', ({ type, found, isTrue }) => {
    expect(getCondition([synced, ready], type)).toEqual(found);
    expect(isConditionTrue([synced, ready], type)).toBe(isTrue);
  });

  it('removes only the given type', () => {
    expect(removeCondition([synced, ready], 'Synced')).toEqual([ready]);
    expect(removeCondition(undefined, 'Synced')).toEqual([]);
  });
});

describe('conditionsEqual', () => {
  it.each([
    { reason: 'same list', a: [synced, ready], b: [structuredClone(synced), structuredClone(ready)], equal: true },
    { reason: 'order does not matter', a: [synced, ready], b: [ready, synced], equal: true },
    { reason: 'undefined equals empty', a: undefined, b: [], equal: true },
    { reason: 'a different lastTransitionTime counts', a: [synced], b: [{ ...synced, lastTransitionTime: nowText }], equal: false },
    { reason: 'a different observedGeneration counts', a: [synced], b: [{ ...synced, observedGeneration: 2 }], equal: false },
    { reason: 'a missing condition counts', a: [synced, ready], b: [synced], equal: false },
    { reason: 'a different message counts', a: [ready], b: [{ ...ready, message: 'other' }], equal: false },
  ])('$reason', ({ a, b, equal }) => {
    expect(conditionsEqual(a, b)).toBe(equal);
    expect(conditionsEqual(b, a)).toBe(equal);
  });
});

describe('statusChanged / deepEqual', () => {
  it.each([
    { reason: 'identical nested objects', a: { x: [1, { y: 'z' }] }, b: { x: [1, { y: 'z' }] }, changed: false },
    { reason: 'key order is irrelevant', a: { a: 1, b: 2 }, b: { b: 2, a: 1 }, changed: false },
    { reason: 'a key set to undefined equals a missing key (same JSON)', a: { a: 1, b: undefined }, b: { a: 1 }, changed: false },
    { reason: 'a changed leaf', a: { d: [{ state: 'Pushing' }] }, b: { d: [{ state: 'Interrupted' }] }, changed: true },
    { reason: 'array order matters', a: [1, 2], b: [2, 1], changed: true },
    { reason: 'an extra array item', a: [1], b: [1, 1], changed: true },
    { reason: 'null is not an empty object', a: { a: null }, b: { a: {} }, changed: true },
    { reason: 'number versus numeric string', a: { v: 1 }, b: { v: '1' }, changed: true },
    { reason: 'array versus object with index keys', a: { v: [1] }, b: { v: { 0: 1 } }, changed: true },
    { reason: 'bigints by value', a: { v: 18446744073709551615n }, b: { v: 18446744073709551615n }, changed: false },
    { reason: 'before undefined (no status yet)', a: undefined, b: {}, changed: true },
  ])('$reason', ({ a, b, changed }) => {
    expect(statusChanged(a, b)).toBe(changed);
    expect(deepEqual(b, a)).toBe(!changed);
  });
});

describe('toRfc3339', () => {
  it('drops milliseconds (metav1.Time has second precision)', () => {
    expect(toRfc3339(now)).toBe(nowText);
  });
});
