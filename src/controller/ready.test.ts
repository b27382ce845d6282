import { describe, expect, it } from 'vitest';
import { readyFrom, type ConditionInput } from './ready.js';

const synced = (status: ConditionInput['status'], reason = 'Synced'): ConditionInput => ({ type: 'Synced', status, reason, message: `synced ${reason}` });
const streaming = (status: ConditionInput['status'], reason = 'Pushing'): ConditionInput => ({ type: 'Streaming', status, reason, message: `streaming ${reason}` });

describe('readyFrom', () => {
  it.each<[string, ConditionInput | undefined, ConditionInput | undefined, boolean, string, string]>([
    ['synced and streaming', synced('True'), streaming('True'), true, 'True', 'Streaming'],
    ['synced, no callback yet', synced('True'), undefined, true, 'Unknown', 'AwaitingCallback'],
    ['synced, an address interrupted', synced('True'), streaming('False', 'Interrupted'), true, 'False', 'Interrupted'],
    ['synced, callbacks stale', synced('True'), streaming('Unknown', 'CallbacksStale'), true, 'Unknown', 'CallbacksStale'],
    ['not synced wins over streaming', synced('False', 'InvalidSpec'), streaming('True'), true, 'False', 'InvalidSpec'],
    ['suspended is never ready', synced('True', 'Suspended'), undefined, true, 'False', 'Suspended'],
    ['callbacks disabled: synced is enough', synced('True'), undefined, false, 'True', 'Synced'],
    ['never reconciled', undefined, undefined, true, 'Unknown', 'Reconciling'],
  ])('%s', (_reason, s, st, enabled, status, reason) => {
    const r = readyFrom(s, st, enabled);
    expect([r.status, r.reason]).toEqual([status, reason]);
  });
});
