import { describe, expect, it } from 'vitest';
import { PriorityGate } from './priority-gate.js';

function gate(busy: { value: boolean }, clock: { now: number }, maxWaitMs = 1_000): PriorityGate {
  return new PriorityGate({ busy: () => busy.value, maxWaitMs, pollMs: 1, now: () => clock.now });
}

/** Whether the promise has settled after the gate had a few polls to let it go. */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 15));
  return done;
}

describe('PriorityGate', () => {
  it('lets a write go at once when nothing higher is waiting', async () => {
    const g = gate({ value: false }, { now: 0 });
    expect(g.isOpen(0)).toBe(true);
    expect(await settled(g.whenOpen(0))).toBe(true);
  });

  it('holds a write while the actors are backlogged and lets it go when they are not', async () => {
    const busy = { value: true };
    const g = gate(busy, { now: 0 });
    const waiting = g.whenOpen(0);
    expect(await settled(waiting)).toBe(false);
    busy.value = false;
    expect(await settled(waiting)).toBe(true);
  });

  it('never holds a write longer than maxWaitMs after what it reports', async () => {
    const clock = { now: 10_000 };
    const g = gate({ value: true }, clock, 1_000);
    // Happened 400 ms ago: waits; happened 1 s ago: goes.
    const recent = g.whenOpen(9_600);
    expect(g.isOpen(9_000)).toBe(true);
    expect(await settled(recent)).toBe(false);
    clock.now = 10_600;
    expect(await settled(recent)).toBe(true);
  });

  it('close() lets everything waiting go, and nothing waits after it (shutdown)', async () => {
    const g = gate({ value: true }, { now: 0 });
    const waiting = g.whenOpen(0);
    g.close();
    expect(await settled(waiting)).toBe(true);
    expect(await settled(g.whenOpen(0))).toBe(true);
  });
});
