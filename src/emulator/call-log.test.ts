import { describe, expect, it } from 'vitest';
import { CallLog } from './call-log.js';
import type { CallRecord } from './control-api.js';

const call = (endpoint: 'startrtmp' | 'stoprtmp', code: number | null): Omit<CallRecord, 'seq'> => ({
  at: '2026-01-01T00:00:00.000Z',
  endpoint,
  traceId: null,
  appid: '1',
  pathPrefix: 'v2/rtmpforward',
  body: null,
  rawBody: null,
  tokenSha256: null,
  instance: null,
  peer: null,
  code,
  httpStatus: code === null ? null : 200,
  message: null,
  outcome: code === null ? 'hang' : 'answered',
  appliedCode: code,
  fault: null,
  doneAt: '2026-01-01T00:00:00.000Z',
});

describe('CallLog', () => {
  it('keeps the newest 5,000 records but counts every call', () => {
    const log = new CallLog();
    for (let i = 0; i < 10_000; i++) log.add(call('startrtmp', i % 4 === 0 ? 2101 : 0));
    log.add(call('stoprtmp', null));
    const records = log.list();
    expect(records).toHaveLength(5_000);
    expect(records.at(-1)?.seq).toBe(10_001);
    expect(log.counts()).toEqual({ startrtmp: { calls: 10_000, accepted: 7_500 }, stoprtmp: { calls: 1, accepted: 0 } });
  });

  it('forgets the counts with the records', () => {
    const log = new CallLog();
    log.add(call('startrtmp', 0));
    log.clear();
    expect(log.list()).toEqual([]);
    expect(log.counts()).toEqual({ startrtmp: { calls: 0, accepted: 0 }, stoprtmp: { calls: 0, accepted: 0 } });
  });
});
