// Fixtures for the tests of recorded push states (controller/destinations.ts, callback/fold.ts).
import type { Destination } from '../destinations.js';

export const t0 = new Date('2026-11-25T10:00:00.000Z');
export const at = (s: number): Date => new Date(t0.getTime() + s * 1000);
export const url = 'rtmp://push.example.com/live/a?auth_key=secret1';
export const url2 = 'rtmp://push.example.com/live/b';

export function dest(over: Partial<Destination> = {}): Destination {
  return {
    url: 'rtmp://push.example.com/live/a?auth_key=REDACTED',
    state: 'Pushing',
    code: 3000,
    errcode: 0,
    description: 'ok',
    lastCallbackTime: t0.toISOString(),
    version: '5',
    ...over,
  };
}
