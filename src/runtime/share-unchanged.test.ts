import { describe, expect, it } from 'vitest';
import { deepFreeze } from './deep-freeze.js';
import { shareUnchanged } from './share-unchanged.js';

const version = (rv: string, spec: unknown, status: unknown): { metadata: { resourceVersion: string }; spec: unknown; status: unknown } => ({
  metadata: { resourceVersion: rv },
  spec,
  status,
});

describe('shareUnchanged', () => {
  it('gives the new version the old instance of each unchanged part, and keeps what changed', () => {
    const old = version('1', { roomid: '1', rtmpurls: ['rtmp://a/b'] }, { observedGeneration: 1 });
    // Freshly parsed: equal content, other instances, keys in another order.
    const next = version('2', { rtmpurls: ['rtmp://a/b'], roomid: '1' }, { observedGeneration: 2 });
    const nextStatus = next.status;
    const shared = shareUnchanged(next, old);
    expect(shared).toBe(next);
    expect(shared.spec).toBe(old.spec);
    expect(shared.status).toBe(nextStatus);
    expect(shared.metadata).not.toBe(old.metadata);
  });

  it('never shares metadata, even when equal', () => {
    const old = version('1', {}, {});
    const next = version('1', {}, {});
    expect(shareUnchanged(next, old).metadata).not.toBe(old.metadata);
  });

  it('leaves a first version alone', () => {
    const next = version('1', { a: 1 }, undefined);
    const spec = next.spec;
    expect(shareUnchanged(next, undefined).spec).toBe(spec);
  });
});

describe('deepFreeze', () => {
  it('freezes nested objects and arrays, so a mutation throws', () => {
    const v = deepFreeze({ a: { b: [1, { c: 2 }] } });
    expect(() => {
      (v.a.b[1] as { c: number }).c = 3;
    }).toThrow(TypeError);
    expect(() => {
      (v.a.b as unknown[]).push(4);
    }).toThrow(TypeError);
  });
});
