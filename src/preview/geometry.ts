// Rectangles in canvas pixels, and the few operations the picture and the layout warnings share.

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export function intersection(a: Rect, b: Rect): Rect | undefined {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.w, b.x + b.w);
  const y1 = Math.min(a.y + a.h, b.y + b.h);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : undefined;
}

/** Whether the union of `cover` hides every point of `target` (exact, by cutting along all edges). */
export function coveredBy(target: Rect, cover: readonly Rect[]): boolean {
  const parts = cover.map((c) => intersection(target, c)).filter((r): r is Rect => r !== undefined);
  if (parts.length === 0) return false;
  const xs = [...new Set([target.x, target.x + target.w, ...parts.flatMap((p) => [p.x, p.x + p.w])])].sort((a, b) => a - b);
  const ys = [...new Set([target.y, target.y + target.h, ...parts.flatMap((p) => [p.y, p.y + p.h])])].sort((a, b) => a - b);
  for (let i = 0; i + 1 < xs.length; i++) {
    for (let j = 0; j + 1 < ys.length; j++) {
      const cx = ((xs[i] ?? 0) + (xs[i + 1] ?? 0)) / 2;
      const cy = ((ys[j] ?? 0) + (ys[j + 1] ?? 0)) / 2;
      if (!parts.some((p) => cx > p.x && cx < p.x + p.w && cy > p.y && cy < p.y + p.h)) return false;
    }
  }
  return true;
}

/** The largest rectangle of the given aspect (w/h) centred in `box`: a picture fitted with borders. */
export function fitted(box: Rect, aspect: number): Rect {
  if (box.w / box.h > aspect) {
    const w = box.h * aspect;
    return { x: box.x + (box.w - w) / 2, y: box.y, w, h: box.h };
  }
  const h = box.w / aspect;
  return { x: box.x, y: box.y + (box.h - h) / 2, w: box.w, h };
}

/** Full-width characters (CJK, Hangul, full-width forms) take a whole em; the rest `narrow` em (0.6 in monospace fonts). */
const WIDE = /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1FAFF}\u{20000}-\u{3FFFD}]/u;

/** An estimate of a text's width in pixels: the vendor's font metrics are not published. */
export function textWidth(text: string, size: number, narrow = 0.6): number {
  let ems = 0;
  for (const ch of text) ems += WIDE.test(ch) ? 1 : narrow;
  return ems * size;
}
