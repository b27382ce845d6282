// The vendor's four layout templates, drawn from the page's descriptions. The page gives no sizes,
// so the geometry here is an approximation (the picture says so): small windows are 1/8 of the
// canvas in each direction (1/4 for the corner template), tiles split the canvas evenly.
import { TEMPLATE_CAPACITY } from '../jocloud/wire.js';
import type { Rect } from './geometry.js';

export type TemplateId = keyof typeof TEMPLATE_CAPACITY;

export interface Slot {
  readonly rect: Rect;
  /** 0 for the large window and tiles, 1 for windows that float over the large one (corner). */
  readonly layer: number;
}

/** Pixel edges rounded so neighbouring windows share an edge without gaps. */
function box(x0: number, y0: number, x1: number, y1: number): Rect {
  const x = Math.round(x0);
  const y = Math.round(y0);
  return { x, y, w: Math.round(x1) - x, h: Math.round(y1) - y };
}

/** Up to `perLine` small windows per line, at most two lines: how many go on each. */
function split(small: number, perLine: number): number[] {
  if (small === 0) return [];
  return small <= perLine ? [small] : [perLine, small - perLine];
}

/** Horizontal: the first user large on top, the others in up to two rows of eight below. */
function horizontal(users: number, W: number, H: number): Slot[] {
  const cw = W / 8;
  const ch = H / 8;
  const rows = split(users - 1, 8);
  const slots: Slot[] = [{ rect: box(0, 0, W, H - rows.length * ch), layer: 0 }];
  rows.forEach((count, r) => {
    const y = H - (rows.length - r) * ch;
    const x0 = (W - count * cw) / 2;
    for (let i = 0; i < count; i++) slots.push({ rect: box(x0 + i * cw, y, x0 + (i + 1) * cw, y + ch), layer: 0 });
  });
  return slots;
}

/** Vertical: the first user large on the left, the others in up to two columns of eight on the right. */
function vertical(users: number, W: number, H: number): Slot[] {
  const cw = W / 8;
  const ch = H / 8;
  const cols = split(users - 1, 8);
  const slots: Slot[] = [{ rect: box(0, 0, W - cols.length * cw, H), layer: 0 }];
  cols.forEach((count, c) => {
    const x = W - (cols.length - c) * cw;
    const y0 = (H - count * ch) / 2;
    for (let i = 0; i < count; i++) slots.push({ rect: box(x, y0 + i * ch, x + cw, y0 + (i + 1) * ch), layer: 0 });
  });
  return slots;
}

/** Tiled: equal tiles, as square a grid as the count allows (up to 4 x 4); a short last row is centred. */
function tiled(users: number, W: number, H: number): Slot[] {
  const cols = Math.ceil(Math.sqrt(users));
  const rows = Math.ceil(users / cols);
  const tw = W / cols;
  const th = H / rows;
  const slots: Slot[] = [];
  for (let i = 0; i < users; i++) {
    const r = Math.floor(i / cols);
    const inRow = Math.min(cols, users - r * cols);
    const x0 = (W - inRow * tw) / 2 + (i % cols) * tw;
    slots.push({ rect: box(x0, r * th, x0 + tw, (r + 1) * th), layer: 0 });
  }
  return slots;
}

/** Corner: the first user fills the canvas; up to four small windows float in the corners. */
function corner(users: number, W: number, H: number): Slot[] {
  const w = W / 4;
  const h = H / 4;
  const m = Math.min(W, H) / 40;
  const corners: Array<[number, number]> = [
    [m, m],
    [W - m - w, m],
    [m, H - m - h],
    [W - m - w, H - m - h],
  ];
  return [{ rect: box(0, 0, W, H), layer: 0 }, ...corners.slice(0, users - 1).map(([x, y]) => ({ rect: box(x, y, x + w, y + h), layer: 1 }))];
}

const LAYOUTS: Record<TemplateId, (users: number, W: number, H: number) => Slot[]> = { 1: horizontal, 2: vertical, 3: tiled, 4: corner };

/** The windows of template `id` for `users` users (clamped to 1..capacity), in user order. */
export function templateSlots(id: TemplateId, users: number, width: number, height: number): Slot[] {
  const n = Math.max(1, Math.min(users, TEMPLATE_CAPACITY[id].users));
  return LAYOUTS[id](n, width, height);
}
