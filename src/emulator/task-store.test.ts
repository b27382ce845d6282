import { describe, expect, it } from 'vitest';
import { TaskStore, type StartInput } from './task-store.js';

const t0 = new Date('2026-11-25T00:00:00Z');
const t1 = new Date('2026-11-25T00:01:00Z');

function mixed(rtmpurl: string, over: Partial<StartInput> = {}): StartInput {
  return { appid: 1470236061n, roomid: '123', rtmpurl, streamtype: 1, taskid: 'biz007', ...over };
}
function source(rtmpurl: string, over: Partial<StartInput> = {}): StartInput {
  return { appid: 1470236061n, roomid: '123', rtmpurl, streamtype: 2, uid: '111', ...over };
}

describe('TaskStore.start', () => {
  it('creates a task and starts every address', () => {
    const store = new TaskStore();
    const out = store.start(mixed('rtmp://a/l/1,rtmp://b/l/2'), t0);
    expect(out).toMatchObject({ created: true, started: ['rtmp://a/l/1', 'rtmp://b/l/2'], removed: [] });
    expect(out.task).toMatchObject({ kind: 'mixed', taskid: 'biz007', callbackTaskid: 'biz007', updateCount: 0 });
  });

  it.each([
    ['same taskid, address added', mixed('rtmp://a/l/1'), mixed('rtmp://a/l/1,rtmp://c/l/3'), ['rtmp://c/l/3'], []],
    ['same taskid, full-mode replacement', mixed('rtmp://a/l/1,rtmp://b/l/2'), mixed('rtmp://b/l/2,rtmp://c/l/3'), ['rtmp://c/l/3'], ['rtmp://a/l/1']],
    ['same taskid, identical list (parameter update only)', mixed('rtmp://a/l/1'), mixed('rtmp://a/l/1'), [], []],
    ['same source uid, address replaced', source('rtmp://a/l/1'), source('rtmp://b/l/2'), ['rtmp://b/l/2'], ['rtmp://a/l/1']],
  ])('updates in place: %s', (_reason, first, second, started, removed) => {
    const store = new TaskStore();
    store.start(first, t0);
    const out = store.start(second, t1);
    expect(out.created).toBe(false);
    expect(out.started).toEqual(started);
    expect(out.removed).toEqual(removed);
    expect(out.task.startedAt).toEqual(t0);
    expect(out.task.updatedAt).toEqual(t1);
    expect(out.task.updateCount).toBe(1);
    expect(store.list()).toHaveLength(1);
  });

  it.each([
    ['another taskid', mixed('rtmp://a/l/1', { taskid: 'other' })],
    ['another room', mixed('rtmp://a/l/1', { roomid: '999' })],
    ['another appid', mixed('rtmp://a/l/1', { appid: 18446744073709551615n })],
    ['a source push with the same room', source('rtmp://a/l/1')],
  ])('keeps tasks apart: %s', (_reason, second) => {
    const store = new TaskStore();
    store.start(mixed('rtmp://a/l/1'), t0);
    expect(store.start(second, t1).created).toBe(true);
    expect(store.list()).toHaveLength(2);
  });

  it('source pushes report the request taskid, or "" without one', () => {
    const store = new TaskStore();
    expect(store.start(source('rtmp://a/l/1'), t0).task.callbackTaskid).toBe('');
    expect(store.start(source('rtmp://a/l/1', { uid: '2', taskid: 't-src' }), t0).task.callbackTaskid).toBe('t-src');
  });

  it('restarts a terminated address that is listed again', () => {
    const store = new TaskStore();
    store.start(mixed('rtmp://a/l/1,rtmp://b/l/2'), t0);
    store.terminate('rtmp://a/l/1');
    const out = store.start(mixed('rtmp://a/l/1,rtmp://b/l/2'), t1);
    expect(out.started).toEqual(['rtmp://a/l/1']);
    expect(out.task.terminated.size).toBe(0);
  });

  it('does not report a terminated address as removed a second time', () => {
    const store = new TaskStore();
    store.start(mixed('rtmp://a/l/1,rtmp://b/l/2'), t0);
    store.terminate('rtmp://a/l/1');
    expect(store.start(mixed('rtmp://b/l/2'), t1).removed).toEqual([]);
  });
});

describe('TaskStore.stop', () => {
  it('stops a mixed task by taskid and a source task by uid', () => {
    const store = new TaskStore();
    store.start(mixed('rtmp://a/l/1,rtmp://b/l/2'), t0);
    store.start(source('rtmp://c/l/3'), t0);
    expect(store.stop({ appid: 1470236061n, roomid: '123', streamtype: 1, taskid: 'biz007' })?.stopped).toEqual(['rtmp://a/l/1', 'rtmp://b/l/2']);
    expect(store.stop({ appid: 1470236061n, roomid: '123', streamtype: 2, uid: '111' })?.stopped).toEqual(['rtmp://c/l/3']);
    expect(store.list()).toEqual([]);
  });

  it.each([
    ['nothing started', { appid: 1470236061n, roomid: '123', streamtype: 1, taskid: 'biz007' }],
    ['wrong taskid', { appid: 1470236061n, roomid: '123', streamtype: 1, taskid: 'nope' }],
    ['source uid for a mixed task', { appid: 1470236061n, roomid: '123', streamtype: 2, uid: 'biz007' }],
  ])('is undefined when the task is unknown: %s', (reason, req) => {
    const store = new TaskStore();
    if (reason !== 'nothing started') store.start(mixed('rtmp://a/l/1'), t0);
    expect(store.stop(req)).toBeUndefined();
  });

  it('does not stop terminated addresses again', () => {
    const store = new TaskStore();
    store.start(mixed('rtmp://a/l/1,rtmp://b/l/2'), t0);
    store.terminate('rtmp://b/l/2');
    expect(store.stop({ appid: 1470236061n, roomid: '123', streamtype: 1, taskid: 'biz007' })?.stopped).toEqual(['rtmp://a/l/1']);
  });
});

describe('TaskStore.terminate and liveAddresses', () => {
  it('removes a terminated address from the live set once', () => {
    const store = new TaskStore();
    store.start(mixed('rtmp://a/l/1,rtmp://b/l/2'), t0);
    expect(store.terminate('rtmp://a/l/1').map((r) => r.url)).toEqual(['rtmp://a/l/1']);
    expect(store.terminate('rtmp://a/l/1')).toEqual([]);
    expect(store.liveAddresses().map((r) => r.url)).toEqual(['rtmp://b/l/2']);
  });
});
