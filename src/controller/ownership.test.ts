import { describe, expect, it } from 'vitest';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { Identity } from './decide.js';
import { IdentityOwnership } from './ownership.js';

const APPID = '1470236061';
const shared: Identity = { appid: APPID, roomid: '123', streamtype: 1, taskid: 'shared-1' };

function task(namespace: string, created: string, uid: string, status?: Record<string, unknown>): UnvalidatedRtmpPushTask {
  return {
    apiVersion: 'rtmp.jocloud.com/v1alpha1',
    kind: 'RtmpPushTask',
    metadata: { namespace, name: 'stream', creationTimestamp: created, uid },
    spec: { roomid: '123', streamtype: 1, taskid: 'shared-1', rtmpurls: [`rtmp://push.example.com/live/${namespace}`] },
    ...(status !== undefined ? { status } : {}),
  };
}

describe('IdentityOwnership', () => {
  it('among claimants the oldest creationTimestamp, then the smaller uid, owns; a holder owns against older claimants', () => {
    const o = new IdentityOwnership({ defaultAppid: APPID });
    o.upsert(task('b', '2026-01-01T00:00:00Z', 'uid-2'));
    o.upsert(task('a', '2026-01-01T00:00:00Z', 'uid-1'));
    o.upsert(task('c', '2025-12-31T00:00:00Z', 'uid-9', { active: shared }));
    expect(o.ownerOf('a/stream', shared)).toBe('c/stream');
    o.delete(task('c', '', ''));
    expect(o.ownerOf('a/stream', shared)).toBeUndefined();
    expect(o.ownerOf('b/stream', shared)).toBe('a/stream');
  });

  it('a holder keeps what it holds against an older claimant (one resumed, or created in the same second with a smaller uid)', () => {
    const o = new IdentityOwnership({ defaultAppid: APPID });
    o.upsert(task('holder', '2026-01-01T00:00:00Z', 'uid-9', { active: shared }));
    o.upsert(task('older', '2025-01-01T00:00:00Z', 'uid-1'));
    expect(o.ownerOf('holder/stream', shared)).toBeUndefined();
    expect(o.ownerOf('older/stream', shared)).toBe('holder/stream');
  });

  it('a task that may not run claims nothing, and a permission change re-queues who waited', () => {
    const permitted = new Set(['b']);
    const released: string[][] = [];
    const o = new IdentityOwnership({ defaultAppid: APPID }, (keys) => released.push([...keys]), (ns) => permitted.has(ns));
    const squatter = task('a', '2025-01-01T00:00:00Z', 'uid-1');
    o.upsert(squatter);
    o.upsert(task('b', '2026-01-01T00:00:00Z', 'uid-2'));
    expect(o.ownerOf('b/stream', shared)).toBeUndefined();

    permitted.add('a');
    o.upsert(squatter);
    expect(o.ownerOf('b/stream', shared)).toBe('a/stream');
    permitted.delete('a');
    o.upsert(squatter);
    expect(released).toEqual([['b/stream']]);
    expect(o.ownerOf('b/stream', shared)).toBeUndefined();
  });
});
