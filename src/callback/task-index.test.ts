import { describe, expect, it } from 'vitest';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { derivedTaskid } from '../controller/desired-request.js';
import { TaskIndex, withoutQuery, type CallbackAddress } from './task-index.js';

const A = 'rtmp://cdn.example.com/live/a?auth_key=111-0-0-aaa';
const A_REFRESHED = 'rtmp://cdn.example.com/live/a?auth_key=222-0-0-bbb';
const B = 'rtmp://cdn.example.com/live/b';

function task(name: string, spec: Record<string, unknown>, status?: Record<string, unknown>): UnvalidatedRtmpPushTask {
  return {
    apiVersion: 'rtmp.jocloud.com/v1alpha1',
    kind: 'RtmpPushTask',
    metadata: { namespace: 'ns', name, generation: 1, resourceVersion: '1' },
    spec,
    ...(status !== undefined ? { status } : {}),
  };
}

const mixed = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  appid: '1470236061',
  roomid: '123',
  streamtype: 1,
  taskid: 'biz007',
  rtmpurls: [A],
  mixconfig: { output: { streamtype: 2 } },
  ...over,
});
const source = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  appid: '1470236061',
  roomid: '123',
  streamtype: 2,
  uid: '111',
  rtmpurls: [A, B],
  ...over,
});
const cb = (over: Partial<CallbackAddress> = {}): CallbackAddress => ({ appid: 1470236061n, roomid: '123', taskid: 'biz007', url: A, ...over });

describe('TaskIndex.lookup', () => {
  it.each<[string, UnvalidatedRtmpPushTask[], CallbackAddress, string[]]>([
    ['mixed push by appid + roomid + taskid', [task('m', mixed())], cb(), ['ns/m']],
    ['mixed push: the url does not matter', [task('m', mixed())], cb({ url: 'rtmp://elsewhere/x' }), ['ns/m']],
    ['mixed push: another taskid is another task', [task('m', mixed())], cb({ taskid: 'biz008' }), []],
    ['mixed push: another room is another task', [task('m', mixed())], cb({ roomid: '124' }), []],
    ['mixed push: another appid is another task', [task('m', mixed())], cb({ appid: 1470236062n }), []],
    ['mixed push without spec.taskid: the derived taskid', [task('m', mixed({ taskid: undefined }))], cb({ taskid: derivedTaskid('ns', 'm') }), ['ns/m']],
    [
      'mixed push: status.taskid (written by the reconciler) maps too',
      [task('m', mixed({ taskid: undefined }), { taskid: 'legacy-1' })],
      cb({ taskid: 'legacy-1' }),
      ['ns/m'],
    ],
    [
      'spec.appid absent: the operator default appid',
      [task('m', mixed({ appid: undefined }))],
      cb({ appid: 999n }),
      ['ns/m'],
    ],
    [
      'status.active still maps after a spec edit moved the room (restart not done yet)',
      [task('m', mixed({ roomid: '456' }), { active: { appid: '1470236061', roomid: '123', streamtype: 1, taskid: 'biz007' } })],
      cb(),
      ['ns/m'],
    ],
    [
      'the desired identity maps before status.active is written (start just accepted)',
      [task('m', mixed({ roomid: '456' }), { active: { appid: '1470236061', roomid: '123', streamtype: 1, taskid: 'biz007' } })],
      cb({ roomid: '456' }),
      ['ns/m'],
    ],
    [
      'uint64 appid beyond 2^53 matches exactly',
      [task('m', mixed({ appid: '18446744073709551615' }))],
      cb({ appid: 18446744073709551615n }),
      ['ns/m'],
    ],
    [
      'uint64 appid one below does not match',
      [task('m', mixed({ appid: '18446744073709551615' }))],
      cb({ appid: 18446744073709551614n }),
      [],
    ],
    [
      'a spec the validator rejects (bad mixconfig) is still indexed: the vendor may be pushing it',
      [task('m', mixed({ mixconfig: { output: { streamtype: 7 } } }))],
      cb(),
      ['ns/m'],
    ],
    ['source push by exact address', [task('s', source())], cb({ taskid: '', url: B }), ['ns/s']],
    ['source push: the taskid field is not trusted', [task('s', source())], cb({ taskid: 'whatever', url: A }), ['ns/s']],
    ['source push: a refreshed auth_key matches without the query', [task('s', source())], cb({ taskid: '', url: A_REFRESHED }), ['ns/s']],
    [
      'source push: an address reported without its query matches',
      [task('s', source())],
      cb({ taskid: '', url: withoutQuery(A) }),
      ['ns/s'],
    ],
    ['source push: an address not in the spec', [task('s', source())], cb({ taskid: '', url: 'rtmp://cdn.example.com/live/c' }), []],
    ['source push: another room', [task('s', source())], cb({ taskid: '', roomid: '124', url: B }), []],
    [
      'source push: an exact address match wins over a match without the query',
      [task('s1', source({ rtmpurls: [A] })), task('s2', source({ roomid: '123', uid: '222', rtmpurls: [A_REFRESHED] }))],
      cb({ taskid: '', url: A_REFRESHED }),
      ['ns/s2'],
    ],
    [
      'two objects claiming the same vendor task both get the report',
      [task('m1', mixed()), task('m2', mixed())],
      cb(),
      ['ns/m1', 'ns/m2'],
    ],
    [
      'the task holding the vendor task (status.active) gets the report, not another that only declares it',
      [task('claimant', mixed()), task('owner', mixed(), { active: { appid: '1470236061', roomid: '123', streamtype: 1, taskid: 'biz007' } })],
      cb(),
      ['ns/owner'],
    ],
    [
      'a source push held by one task: a copy declaring the same room, uid and address gets nothing',
      [task('copy', source()), task('owner', source(), { active: { appid: '1470236061', roomid: '123', streamtype: 2, uid: '111' } })],
      cb({ taskid: '', url: B }),
      ['ns/owner'],
    ],
    [
      'source push whose spec moved rooms: status.active keeps the old room mapped by address',
      [task('s', source({ roomid: '456' }), { active: { appid: '1470236061', roomid: '123', streamtype: 2, uid: '111' } })],
      cb({ taskid: '', url: B }),
      ['ns/s'],
    ],
  ])('%s', (_reason, tasks, callback, expected) => {
    const index = new TaskIndex({ defaultAppid: '999' });
    for (const t of tasks) index.upsert(t);
    expect(index.lookup(callback)).toEqual(expected);
  });
});

describe('TaskIndex maintenance', () => {
  it('an update replaces what was indexed for the task', () => {
    const index = new TaskIndex();
    index.upsert(task('m', mixed()));
    index.upsert(task('m', mixed({ taskid: 'biz008' })));
    expect(index.lookup(cb())).toEqual([]);
    expect(index.lookup(cb({ taskid: 'biz008' }))).toEqual(['ns/m']);
    expect(index.size).toBe(1);
  });

  it('remove forgets the task and leaves the others', () => {
    const index = new TaskIndex();
    index.upsert(task('m1', mixed()));
    index.upsert(task('m2', mixed()));
    index.remove(task('m1', mixed()));
    expect(index.lookup(cb())).toEqual(['ns/m2']);
    index.remove(task('m2', {}));
    expect(index.lookup(cb())).toEqual([]);
    expect(index.size).toBe(0);
  });

  it('a task without a usable appid is not indexed (and does not throw)', () => {
    const index = new TaskIndex();
    index.upsert(task('m', mixed({ appid: 'not-a-number' })));
    index.upsert(task('x', { garbage: true }));
    expect(index.lookup(cb())).toEqual([]);
  });
});

describe('withoutQuery', () => {
  it.each([
    [A, 'rtmp://cdn.example.com/live/a'],
    [B, B],
    ['rtmp://h/app/s#frag', 'rtmp://h/app/s'],
  ])('%s → %s', (url, expected) => {
    expect(withoutQuery(url)).toBe(expected);
  });
});
