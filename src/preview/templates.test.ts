import { describe, expect, it } from 'vitest';
import { templateSlots, type TemplateId } from './templates.js';

// An 800 × 600 canvas: small windows are 100 × 75 (1/8 each way), corner windows 200 × 150.
const W = 800;
const H = 600;
type Box = [number, number, number, number];
const boxes = (id: TemplateId, users: number): Box[] => templateSlots(id, users, W, H).map(({ rect: r }) => [r.x, r.y, r.w, r.h]);
const row = (y: number, from: number, count: number): Box[] => Array.from({ length: count }, (_, i): Box => [from + i * 100, y, 100, 75]);
const column = (x: number, y0: number, count: number): Box[] => Array.from({ length: count }, (_, i): Box => [x, y0 + i * 75, 100, 75]);

describe('layout templates', () => {
  it.each<{ id: TemplateId; users: number; want: Box[] }>([
    { id: 1, users: 1, want: [[0, 0, 800, 600]] },
    { id: 1, users: 4, want: [[0, 0, 800, 525], ...row(525, 250, 3)] },
    { id: 1, users: 9, want: [[0, 0, 800, 525], ...row(525, 0, 8)] },
    { id: 1, users: 17, want: [[0, 0, 800, 450], ...row(450, 0, 8), ...row(525, 0, 8)] },
    { id: 2, users: 1, want: [[0, 0, 800, 600]] },
    { id: 2, users: 4, want: [[0, 0, 700, 600], [700, 188, 100, 75], [700, 263, 100, 75], [700, 338, 100, 75]] },
    { id: 2, users: 9, want: [[0, 0, 700, 600], ...column(700, 0, 8)] },
    { id: 2, users: 17, want: [[0, 0, 600, 600], ...column(600, 0, 8), ...column(700, 0, 8)] },
    { id: 3, users: 1, want: [[0, 0, 800, 600]] },
    { id: 3, users: 3, want: [[0, 0, 400, 300], [400, 0, 400, 300], [200, 300, 400, 300]] },
    { id: 3, users: 4, want: [[0, 0, 400, 300], [400, 0, 400, 300], [0, 300, 400, 300], [400, 300, 400, 300]] },
    {
      id: 3,
      users: 9,
      want: [0, 200, 400].flatMap((y) => [[0, y, 267, 200], [267, y, 266, 200], [533, y, 267, 200]] as Box[]),
    },
    { id: 4, users: 1, want: [[0, 0, 800, 600]] },
    { id: 4, users: 4, want: [[0, 0, 800, 600], [15, 15, 200, 150], [585, 15, 200, 150], [15, 435, 200, 150]] },
    { id: 4, users: 9, want: [[0, 0, 800, 600], [15, 15, 200, 150], [585, 15, 200, 150], [15, 435, 200, 150], [585, 435, 200, 150]] },
  ])('template $id with $users users', ({ id, users, want }) => {
    expect(boxes(id, users)).toEqual(want);
  });

  it('tiles 16 users (and no more) 4 × 4', () => {
    const want = [0, 150, 300, 450].flatMap((y) => [0, 200, 400, 600].map((x): Box => [x, y, 200, 150]));
    expect(boxes(3, 16)).toEqual(want);
    expect(boxes(3, 17)).toEqual(want);
  });

  it('shows at most the page’s user counts: 17, 17, 16, 5', () => {
    expect(([1, 2, 3, 4] as const).map((id) => templateSlots(id, 40, W, H).length)).toEqual([17, 17, 16, 5]);
  });

  it('floats only the corner windows above the large one', () => {
    expect(templateSlots(4, 5, W, H).map((s) => s.layer)).toEqual([0, 1, 1, 1, 1]);
    expect(templateSlots(1, 17, W, H).every((s) => s.layer === 0)).toBe(true);
  });
});
