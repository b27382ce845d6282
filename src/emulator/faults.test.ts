import { describe, expect, it } from 'vitest';
import { faultSpecSchema } from './control-api.js';
import { FaultRegistry } from './faults.js';

describe('FaultRegistry', () => {
  it('hits every matching call when rate and count are not given', () => {
    const reg = new FaultRegistry();
    reg.add(faultSpecSchema.parse({ code: 2104 }));
    expect([reg.take('startrtmp')?.code, reg.take('stoprtmp')?.code, reg.take('startrtmp')?.code]).toEqual([2104, 2104, 2104]);
  });

  it('only hits its endpoint', () => {
    const reg = new FaultRegistry();
    reg.add(faultSpecSchema.parse({ endpoint: 'stoprtmp', code: 2103 }));
    expect(reg.take('startrtmp')).toBeUndefined();
    expect(reg.take('stoprtmp')?.code).toBe(2103);
  });

  it('is used up after count hits, then the next fault applies', () => {
    const reg = new FaultRegistry();
    const first = reg.add(faultSpecSchema.parse({ code: 2104, count: 2 }));
    reg.add(faultSpecSchema.parse({ httpStatus: 503 }));
    const seen = [1, 2, 3].map(() => reg.take('startrtmp'));
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
    expect(reg.take('startrtmp') !== undefined).toBe(hit);
  });

  it('a miss does not use up a counted fault', () => {
    let roll = 0.9;
    const reg = new FaultRegistry(() => roll);
    reg.add(faultSpecSchema.parse({ code: 2104, rate: 0.5, count: 1 }));
    expect(reg.take('startrtmp')).toBeUndefined();
    roll = 0.1;
    expect(reg.take('startrtmp')?.code).toBe(2104);
    expect(reg.take('startrtmp')).toBeUndefined();
  });

  it('clear removes every fault', () => {
    const reg = new FaultRegistry();
    reg.add(faultSpecSchema.parse({ reset: true }));
    reg.clear();
    expect(reg.take('startrtmp')).toBeUndefined();
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
  ])('rejects %s', (_reason, spec) => {
    expect(faultSpecSchema.safeParse(spec).success).toBe(false);
  });
});
