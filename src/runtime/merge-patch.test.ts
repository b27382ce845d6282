import { describe, expect, it } from 'vitest';
import { applyMergePatch, mergePatch } from './merge-patch.js';

describe('mergePatch', () => {
  it.each<[string, unknown, unknown, unknown]>([
    ['equal objects need no patch', { a: 1, b: { c: 2 } }, { a: 1, b: { c: 2 } }, undefined],
    ['a changed scalar', { a: 1 }, { a: 2 }, { a: 2 }],
    ['a removed key becomes null', { a: 1, b: 2 }, { a: 1 }, { b: null }],
    ['an undefined member counts as removed', { a: 1, b: 2 }, { a: 1, b: undefined }, { b: null }],
    ['nested replacement nulls the old nested key', { active: { taskid: 't' } }, { active: { uid: 'u' } }, { active: { taskid: null, uid: 'u' } }],
    ['arrays are replaced whole', { l: [1, 2] }, { l: [1] }, { l: [1] }],
    ['an added object goes in whole', {}, { o: { x: 1 } }, { o: { x: 1 } }],
    // The API server returns object keys sorted; a list computed in another key order is the same list.
    [
      'a list whose objects differ only in key order needs no patch',
      { conditions: [{ message: 'm', reason: 'R', status: 'True', type: 'Synced' }] },
      { conditions: [{ type: 'Synced', status: 'True', reason: 'R', message: 'm' }] },
      undefined,
    ],
  ])('%s', (_reason, before, after, expected) => {
    const patch = mergePatch(before, after);
    expect(patch).toEqual(expected);
    if (patch !== undefined) expect(applyMergePatch(before, patch)).toEqual(JSON.parse(JSON.stringify(after)));
  });
});
