import { describe, expect, it } from 'vitest';
import { createTraceIdGenerator } from './trace-id.js';

describe('createTraceIdGenerator', () => {
  it('combines host, UTC time, sequence and pid', () => {
    const next = createTraceIdGenerator({ host: 'op-7f9c.example', pid: 42, now: () => new Date('2026-11-25T03:44:05.123Z') });
    expect(next()).toMatch(/^op7f9cexample-20261125034405123-\d{6}-42$/);
  });

  it('uses only URL-unreserved characters even for odd host names', () => {
    const next = createTraceIdGenerator({ host: 'ä b/c?d&e', pid: 1 });
    expect(next()).toMatch(/^[A-Za-z0-9-]+$/);
  });

  it('never repeats within a frozen millisecond', () => {
    const next = createTraceIdGenerator({ host: 'h', pid: 1, now: () => new Date(0) });
    const ids = new Set(Array.from({ length: 10_000 }, () => next()));
    expect(ids.size).toBe(10_000);
  });
});
