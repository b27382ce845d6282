import { describe, expect, it } from 'vitest';
import { VersionClock } from './vendor-emulator.js';

describe('VersionClock', () => {
  it('starts from wall time so a restarted emulator keeps counting upward', () => {
    const before = new VersionClock(() => 1_000).next();
    const after = new VersionClock(() => 2_000).next();
    expect(before).toBe(1_000_000n);
    expect(after > before).toBe(true);
  });

  it('strictly increases even when the clock stands still or goes back', () => {
    let now = 5_000;
    const clock = new VersionClock(() => now);
    const a = clock.next();
    const b = clock.next();
    now = 4_000;
    const c = clock.next();
    expect([b - a, c - b]).toEqual([1n, 1n]);
  });

  it.each([
    ['a higher hand-sent version raises the floor', 9_000_000_000n, 9_000_000_001n],
    ['a lower one does not', 5n, 1_000_001n],
    ['one near the uint64 ceiling is ignored, to keep room', 18446744073709551615n, 1_000_001n],
  ])('%s', (_reason, observed, expected) => {
    const clock = new VersionClock(() => 1_000);
    clock.next();
    clock.observe(observed);
    expect(clock.next()).toBe(expected);
  });
});
