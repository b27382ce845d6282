import { describe, expect, it } from 'vitest';
import { faultSpecSchema } from './control-api.js';
import { FaultRegistry, type FaultTarget } from './faults.js';

const call = (endpoint: FaultTarget['endpoint'], body: unknown = {}, instance?: string): FaultTarget => ({ endpoint, body, instance });

describe('FaultRegistry', () => {
  it('hits every matching call when rate and count are not given', () => {
    const reg = new FaultRegistry();
    reg.add(faultSpecSchema.parse({ code: 2104 }));
    expect([reg.take(call('startrtmp'))?.code, reg.take(call('stoprtmp'))?.code, reg.take(call('startrtmp'))?.code]).toEqual([2104, 2104, 2104]);
  });

  it('only hits its endpoint', () => {
    const reg = new FaultRegistry();
    reg.add(faultSpecSchema.parse({ endpoint: 'stoprtmp', code: 2103 }));
    expect(reg.take(call('startrtmp'))).toBeUndefined();
    expect(reg.take(call('stoprtmp'))?.code).toBe(2103);
  });

  it('is used up after count hits, then the next fault applies', () => {
    const reg = new FaultRegistry();
    const first = reg.add(faultSpecSchema.parse({ code: 2104, count: 2 }));
    reg.add(faultSpecSchema.parse({ httpStatus: 503 }));
    const seen = [1, 2, 3].map(() => reg.take(call('startrtmp')));
    expect(seen.map((f) => f?.id)).toEqual([first.id, first.id, 'fault-2']);
    expect(reg.list()[0]).toMatchObject({ remaining: 0, hits: 2 });
  });

  it.each([
    ['roll below the rate hits', 0.49, true],
    ['roll at the rate misses', 0.5, false],
    ['roll above the rate misses', 0.9, false],
  ])('rate 0.5: %s', (_reason, roll, hit) => {
    const reg = new FaultRegistry(() => roll);
    reg.add(faultSpecSchema.parse({ code: 2104, rate: 0.5 }));
    expect(reg.take(call('startrtmp')) !== undefined).toBe(hit);
  });

  it('a miss does not use up a counted fault', () => {
    let roll = 0.9;
    const reg = new FaultRegistry(() => roll);
    reg.add(faultSpecSchema.parse({ code: 2104, rate: 0.5, count: 1 }));
    expect(reg.take(call('startrtmp'))).toBeUndefined();
    roll = 0.1;
    expect(reg.take(call('startrtmp'))?.code).toBe(2104);
    expect(reg.take(call('startrtmp'))).toBeUndefined();
  });

  it('with match, only hits calls whose body and instance match', () => {
    const reg = new FaultRegistry();
    reg.add(faultSpecSchema.parse({ code: 2104, match: { roomid: '1', taskid: 'a', instance: 'pod-1' } }));
    expect(reg.take(call('stoprtmp', { roomid: '1', taskid: 'a' }, 'pod-1'))?.code).toBe(2104);
    expect(reg.take(call('stoprtmp', { roomid: '1', taskid: 'b' }, 'pod-1'))).toBeUndefined();
    expect(reg.take(call('stoprtmp', { roomid: '2', taskid: 'a' }, 'pod-1'))).toBeUndefined();
    expect(reg.take(call('stoprtmp', { roomid: '1', taskid: 'a' }, 'pod-2'))).toBeUndefined();
    expect(reg.take(call('stoprtmp', undefined, 'pod-1'))).toBeUndefined();
  });

  it('a call that does not match rolls no dice', () => {
    const rolls: number[] = [];
    const reg = new FaultRegistry(() => {
      rolls.push(0);
      return 0;
    });
    reg.add(faultSpecSchema.parse({ code: 2104, rate: 0.5, endpoint: 'stoprtmp', match: { uid: 'u1' } }));
    reg.take(call('startrtmp', { uid: 'u1' }));
    reg.take(call('stoprtmp', { uid: 'u2' }));
    expect(rolls).toHaveLength(0);
    expect(reg.take(call('stoprtmp', { uid: 'u1' }))?.code).toBe(2104);
    expect(rolls).toHaveLength(1);
  });

  it('keeps carryOut in the fault it reports', () => {
    const reg = new FaultRegistry();
    const fault = reg.add(faultSpecSchema.parse({ reset: true, carryOut: true }));
    expect(fault).toMatchObject({ reset: true, carryOut: true, match: null });
    expect(reg.take(call('startrtmp'))?.carryOut).toBe(true);
  });

  it('clear removes every fault', () => {
    const reg = new FaultRegistry();
    reg.add(faultSpecSchema.parse({ reset: true }));
    reg.clear();
    expect(reg.take(call('startrtmp'))).toBeUndefined();
    expect(reg.list()).toEqual([]);
  });
});

describe('faultSpecSchema', () => {
  it.each([
    ['no effect', { endpoint: 'startrtmp' }],
    ['hang and reset together', { hang: true, reset: true }],
    ['rate above 1', { code: 1, rate: 1.5 }],
    ['unknown field', { code: 1, sometimes: true }],
    ['count zero', { code: 1, count: 0 }],
    ['carryOut without an effect', { carryOut: true }],
    ['an unknown match field', { code: 1, match: { streamtype: 1 } }],
  ])('rejects %s', (_reason, spec) => {
    expect(faultSpecSchema.safeParse(spec).success).toBe(false);
  });
});
