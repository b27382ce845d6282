// The chaos run's verdict and dice (test/chaos): a wrong verdict would hide leaks or invent them.
import { describe, expect, it } from 'vitest';
import { compare, isClean, type ListedTask, type VendorTask } from '../chaos/compare.js';
import { seededDice } from '../chaos/seeded-random.js';
import { TaskModel } from '../chaos/task-model.js';

const APPID = '1470236061';

function task(name: string, spec: NonNullable<ListedTask['spec']>, deleting = false): ListedTask {
  return { metadata: { name, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) }, spec };
}

function pushing(roomid: string, id: { taskid: string } | { uid: string }, urls: string[], terminated: string[] = []): VendorTask {
  const mixed = 'taskid' in id;
  return {
    kind: mixed ? 'mixed' : 'source',
    appid: APPID,
    roomid,
    taskid: mixed ? id.taskid : null,
    uid: mixed ? null : id.uid,
    addresses: urls.map((url) => ({ url, terminated: terminated.includes(url) })),
  };
}

const A = 'rtmp://a.example.com/live/1';
const B = 'rtmp://b.example.com/live/2';

describe('chaos verdict', () => {
  it('is clean when every declared task pushes to its addresses and nothing else runs', () => {
    const v = compare(
      [task('m', { roomid: '1', streamtype: 1, taskid: 't1', rtmpurls: [A, B] }), task('s', { roomid: '1', streamtype: 2, uid: 'u1', rtmpurls: [A] })],
      [pushing('1', { taskid: 't1' }, [B, A]), pushing('1', { uid: 'u1' }, [A])],
      APPID,
    );
    expect(v).toEqual({ declared: 2, active: 2, leaked: [], missing: [], stale: [], hungDeletions: [] });
    expect(isClean(v)).toBe(true);
  });

  it('counts a push of an old identity, a deleted task or a suspended one as leaked', () => {
    const v = compare(
      [task('moved', { roomid: '2', streamtype: 1, taskid: 't1', rtmpurls: [A] }), task('paused', { roomid: '1', streamtype: 1, taskid: 't2', rtmpurls: [A], suspend: true })],
      [pushing('1', { taskid: 't1' }, [A]), pushing('2', { taskid: 't1' }, [A]), pushing('1', { taskid: 't2' }, [A]), pushing('1', { taskid: 'gone' }, [A])],
      APPID,
    );
    expect(v.leaked).toEqual([`${APPID}/1/taskid=gone`, `${APPID}/1/taskid=t1`, `${APPID}/1/taskid=t2`]);
    expect(v.missing).toEqual([]);
    expect(isClean(v)).toBe(false);
  });

  it('counts a declared task the vendor does not run as missing, and other addresses as stale', () => {
    const v = compare(
      [task('idle', { roomid: '1', streamtype: 2, uid: 'u9', rtmpurls: [A] }), task('old', { roomid: '1', streamtype: 1, taskid: 't1', rtmpurls: [A, B] })],
      [pushing('1', { taskid: 't1' }, [A, B], [B])],
      APPID,
    );
    expect(v.missing).toEqual([`idle (${APPID}/1/uid=u9)`]);
    expect(v.stale).toEqual([`old (${APPID}/1/taskid=t1)`]);
  });

  it('reports a task still being deleted as a hung deletion, not as declared', () => {
    const v = compare([task('stuck', { roomid: '1', streamtype: 1, taskid: 't1', rtmpurls: [A] }, true)], [], APPID);
    expect(v).toMatchObject({ declared: 0, hungDeletions: ['stuck'], missing: [] });
    expect(isClean(v)).toBe(false);
  });

  it('uses the spec appid over the default', () => {
    const v = compare([task('x', { appid: '7', roomid: '1', streamtype: 1, taskid: 't1', rtmpurls: [A] })], [pushing('1', { taskid: 't1' }, [A])], APPID);
    expect(v.missing).toEqual(['x (7/1/taskid=t1)']);
    expect(v.leaked).toEqual([`${APPID}/1/taskid=t1`]);
  });
});

describe('chaos dice and actions', () => {
  it('repeat for a seed and differ between seeds and streams', () => {
    const draw = (seed: string, stream: string): number[] => {
      const d = seededDice(seed, stream);
      return Array.from({ length: 5 }, () => d.next());
    };
    expect(draw('1', 'a')).toEqual(draw('1', 'a'));
    expect(draw('1', 'a')).not.toEqual(draw('2', 'a'));
    expect(draw('1', 'a')).not.toEqual(draw('1', 'b'));
    for (const x of draw('3', 'c')) expect(x >= 0 && x < 1).toBe(true);
  });

  it('int stays within its bounds and reaches both', () => {
    const d = seededDice('1', 'int');
    const seen = new Set(Array.from({ length: 200 }, () => d.int(3, 5)));
    expect([...seen].sort()).toEqual([3, 4, 5]);
  });

  it('the same seed gives the same sequence of actions, each identity fresh', () => {
    const run = (): string[] => {
      const model = new TaskModel(seededDice('7', 'actions'), 4);
      return Array.from({ length: 60 }, () => {
        const a = model.next();
        model.applied(a);
        return JSON.stringify(a);
      });
    };
    const first = run();
    expect(run()).toEqual(first);
    const ids = first.flatMap((a) => [...a.matchAll(/"(?:taskid|uid)":"([^"]+)"/g)].map((m) => m[1]));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
