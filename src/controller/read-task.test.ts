// The parse memos behind read-task and observe: one parse per object instance, frozen results,
// and never a stale answer when the object or the context differs.
import { describe, expect, it } from 'vitest';
import { START_INTENT_ANNOTATION } from '../api/v1alpha1/constants.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { observe, type ObserveContext } from './observe.js';
import { lenientStatus, startIntentOf } from './read-task.js';

const ctx = (over: Partial<ObserveContext> = {}): ObserveContext => ({ getSecret: () => undefined, now: new Date('2026-11-29T00:00:00Z'), defaultAppid: '1470236061', ...over });

const spec = (): Record<string, unknown> => ({
  roomid: '123',
  streamtype: 2,
  uid: '7',
  rtmpurls: ['rtmp://push.example.com/live/a'],
});

const taskWith = (name: string, rawSpec: unknown, status?: unknown): UnvalidatedRtmpPushTask =>
  ({ apiVersion: 'rtmp.jocloud.com/v1alpha1', kind: 'RtmpPushTask', metadata: { namespace: 'media', name, generation: 1 }, spec: rawSpec, status });

describe('lenientStatus', () => {
  it('parses a status object once and hands out the same frozen result', () => {
    const raw = { observedGeneration: 2, taskid: 't-1' };
    const a = lenientStatus(raw);
    expect(a).toEqual({ observedGeneration: 2, taskid: 't-1' });
    expect(lenientStatus(raw)).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => {
      (a as { taskid?: string }).taskid = 'x';
    }).toThrow(TypeError);
  });

  it('reads another instance afresh, still dropping only the fields that fail', () => {
    expect(lenientStatus({ observedGeneration: 'two', taskid: 't-2' })).toEqual({ taskid: 't-2' });
    expect(lenientStatus(undefined)).toEqual({});
  });
});

describe('startIntentOf', () => {
  it('hands out one frozen intent per annotation value, and none for an unreadable one', () => {
    const value = JSON.stringify({ id: 'i-1', appid: '1', roomid: '2', streamtype: 2, uid: '3', requestHash: 'h' });
    const meta = (v: string): Pick<UnvalidatedRtmpPushTask, 'metadata'> => ({ metadata: { annotations: { [START_INTENT_ANNOTATION]: v } } });
    const a = startIntentOf(meta(value));
    expect(a?.id).toBe('i-1');
    expect(startIntentOf(meta(value))).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(startIntentOf(meta('{not json'))).toBeUndefined();
    expect(startIntentOf(meta('{not json'))).toBeUndefined();
  });
});

describe('observe: the spec memo', () => {
  it('reuses the validated spec and request for the same spec object', () => {
    const raw = spec();
    const first = observe(taskWith('a', raw), ctx());
    const second = observe(taskWith('a', raw), ctx());
    expect(second.spec).toBe(first.spec);
    expect(second.observation.desired).toBe(first.observation.desired);
  });

  it('recomputes when the context or the task differs, even for the same spec object', () => {
    const mixed = { roomid: '123', streamtype: 1, rtmpurls: ['rtmp://push.example.com/live/a'], mixconfig: { templateid: 1, output: { streamtype: 2, audiosample: 44100, audiochannel: 2, audiobitrate: 64, audioencode: 1 } } };
    const a = observe(taskWith('a', mixed), ctx()).observation.desired;
    const b = observe(taskWith('b', mixed), ctx()).observation.desired;
    const c = observe(taskWith('b', mixed), ctx({ defaultAppid: '42' })).observation.desired;
    const d = observe(taskWith('b', mixed), ctx({ defaultAppid: '42', taskidPrefix: 'east' })).observation.desired;
    if (!a.ok || !b.ok || !c.ok || !d.ok) throw new Error(`test spec invalid: ${JSON.stringify([a, b, c, d])}`);
    // The derived taskid follows the task's name and the installation's prefix.
    expect(a.push.identity.taskid).not.toBe(b.push.identity.taskid);
    expect(c.push.identity.appid).toBe('42');
    expect(b.push.identity.appid).toBe('1470236061');
    expect(d.push.identity.taskid).toMatch(/^east-rpt-/);
  });

  it('sees a change made as a new spec object (as every watch event and write answer brings)', () => {
    const before = observe(taskWith('a', spec()), ctx()).observation.desired;
    const after = observe(taskWith('a', { ...spec(), roomid: '999' }), ctx()).observation.desired;
    if (!before.ok || !after.ok) throw new Error('test spec invalid');
    expect(after.push.identity.roomid).toBe('999');
    expect(after.push.hash).not.toBe(before.push.hash);
  });
});
