// A Canvas as an SVG document that is the output picture itself: videowidth × videoheight, viewBox in
// canvas pixels, nothing drawn outside it. Titles, notes and warnings go into <title>/<desc>.
import { intersection, textWidth, fitted, type Rect } from './geometry.js';
import { borderColour, inkOn } from './palette.js';
import type { Canvas, Window } from './scene.js';
import { el, textEl } from './svg.js';
import { SCALE_MEANING, TEXT_PAD, type WatermarkBox } from './watermarks.js';

const OUTLINE = 2;
/** Average advance of a sans-serif letter, in em (labels; watermark text is monospace). */
const SANS_EM = 0.56;

export function drawSvg(canvas: Canvas, warnings: readonly string[] = []): string {
  const { width: W, height: H } = canvas;
  const full = { x: 0, y: 0, w: W, h: H };
  const body = [
    textEl('title', {}, `${canvas.title}: ${W} × ${H} mix`),
    textEl('desc', {}, describe(canvas, warnings).join('\n')),
    el('rect', { x: 0, y: 0, width: W, height: H, fill: `#${canvas.background}` }),
    ...(canvas.backgroundImage === undefined ? [] : [backgroundImage(full, canvas.backgroundImage)]),
    ...canvas.windows.map((w) => drawWindow(w, full)),
    ...canvas.watermarks.map(drawWatermark),
    ...(canvas.caption === undefined ? [] : [caption(canvas.caption, H)]),
  ];
  const root = el(
    'svg',
    { xmlns: 'http://www.w3.org/2000/svg', width: W, height: H, viewBox: `0 0 ${W} ${H}`, 'font-family': 'sans-serif' },
    ...body,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}\n`;
}

function describe(canvas: Canvas, warnings: readonly string[]): string[] {
  const bg = canvas.backgroundImage === undefined ? `background #${canvas.background}` : `background image ${canvas.backgroundImage.name}`;
  return [
    `canvas ${canvas.width} × ${canvas.height}, ${bg}`,
    ...canvas.windows.map(
      (w) => `${w.title} at ${w.rect.x},${w.rect.y} size ${w.rect.w} × ${w.rect.h}${w.lines.length > 0 ? ` (${w.lines.join(', ')})` : ''}`,
    ),
    ...canvas.watermarks.map((b) => `watermark ${b.path.join(' ')} at ${b.rect.x},${b.rect.y}${b.kind === 'image' ? ` size ${b.rect.w} × ${b.rect.h}` : `: ${b.text}`}`),
    ...canvas.notes,
    ...warnings.map((w) => `warning: ${w}`),
  ];
}

const rectAttrs = (r: Rect) => ({ x: r.x, y: r.y, width: r.w, height: r.h });
const inset = (r: Rect, d: number): Rect => ({ x: r.x + d, y: r.y + d, w: Math.max(0, r.w - 2 * d), h: Math.max(0, r.h - 2 * d) });

function backgroundImage(full: Rect, image: NonNullable<Canvas['backgroundImage']>): string {
  const stripes = el(
    'pattern',
    { id: 'background-image', width: 24, height: 24, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
    el('rect', { width: 24, height: 24, fill: '#4A4A4A' }),
    el('rect', { width: 12, height: 24, fill: '#5A5A5A' }),
  );
  return el(
    'g',
    {},
    el('defs', {}, stripes),
    el('rect', { ...rectAttrs(full), fill: 'url(#background-image)' }),
    label(full, `background image ${image.name}`, [SCALE_MEANING[image.scale]], 'FFFFFF'),
  );
}

function drawWindow(w: Window, canvas: Rect): string {
  const parts: string[] = [textEl('title', {}, [w.title, ...w.lines].join(', '))];
  const border = `#${borderColour(w.colour)}`;
  if (w.crop === 0) {
    // The picture is fitted inside the window; the rest are the vendor's borders.
    parts.push(el('rect', { ...rectAttrs(w.rect), fill: border }), el('rect', { ...rectAttrs(fitted(w.rect, w.aspect)), fill: `#${w.colour}` }));
  } else {
    parts.push(el('rect', { ...rectAttrs(w.rect), fill: `#${w.colour}` }));
    if (w.crop === 1 && Math.abs(w.aspect / (w.rect.w / w.rect.h) - 1) > 0.01) parts.push(clippedEdges(w.rect, w.aspect, border));
  }
  // The outline shows the whole window: bright around crop 0's dark borders, dark elsewhere.
  const outline = w.crop === 0 ? `#${w.colour}` : border;
  parts.push(el('rect', { ...rectAttrs(inset(w.rect, OUTLINE / 2)), fill: 'none', stroke: outline, 'stroke-width': OUTLINE }));
  const visible = intersection(w.rect, canvas);
  if (visible !== undefined) parts.push(label(visible, w.title, w.lines, inkOn(w.colour)));
  return el('g', { opacity: w.alpha === 1 ? undefined : w.alpha }, ...parts);
}

/** crop 1: dashed lines along the edges where the source picture is cut off. */
function clippedEdges(r: Rect, aspect: number, colour: string): string {
  const d = 6;
  const sidesCut = aspect > r.w / r.h;
  const lines: Array<[number, number, number, number]> = sidesCut
    ? [[r.x + d, r.y, r.x + d, r.y + r.h], [r.x + r.w - d, r.y, r.x + r.w - d, r.y + r.h]]
    : [[r.x, r.y + d, r.x + r.w, r.y + d], [r.x, r.y + r.h - d, r.x + r.w, r.y + r.h - d]];
  return el('g', { stroke: colour, 'stroke-width': OUTLINE, 'stroke-dasharray': '8 6' }, ...lines.map(([x1, y1, x2, y2]) => el('line', { x1, y1, x2, y2 })));
}

function drawWatermark(b: WatermarkBox): string {
  const opacity = b.alpha === 1 ? undefined : b.alpha;
  if (b.kind === 'image') {
    const box = el('rect', { ...rectAttrs(inset(b.rect, OUTLINE / 2)), fill: '#E0E0E0', stroke: '#555555', 'stroke-width': OUTLINE });
    return el('g', { opacity }, box, label(b.rect, `image ${b.name}`, [SCALE_MEANING[b.scale]], '333333'));
  }
  const text = textEl(
    'text',
    { x: b.rect.x + TEXT_PAD * b.size, y: b.rect.y + 1.05 * b.size, 'font-family': 'monospace', 'font-size': b.size, fill: `#${b.colour}`, 'xml:space': 'preserve' },
    b.text,
  );
  return el('g', { opacity }, el('rect', { ...rectAttrs(b.rect), fill: `#${b.background}` }), text);
}

function caption(text: string, H: number): string {
  const size = Math.min(18, Math.max(10, H / 40));
  const plate = { x: 0, y: 0, w: textWidth(text, size, SANS_EM) + size, h: size * 1.6 };
  return el(
    'g',
    {},
    el('rect', { ...rectAttrs(plate), fill: '#000000', opacity: 0.65 }),
    textEl('text', { x: size / 2, y: size * 1.15, 'font-size': size, fill: '#FFFFFF' }, text),
  );
}

/** Centred lines in `box` (a bold title, smaller details), as many as fit in its middle 70 %, each cut to the box's width. */
function label(box: Rect, title: string, lines: readonly string[], ink: string): string {
  const size = Math.min(32, Math.max(8, Math.min(box.w, box.h) / 9));
  const sizes = [size, ...lines.map(() => Math.max(8, size * 0.7))];
  const heights = sizes.map((s) => s * 1.25);
  let fit = 0;
  for (let total = 0; fit < heights.length && total + (heights[fit] ?? 0) <= box.h * 0.7; fit++) total += heights[fit] ?? 0;
  if (fit === 0) return '';
  const room = box.w - 2 * Math.max(3, box.w * 0.06);
  let y = box.y + box.h / 2 - heights.slice(0, fit).reduce((a, b) => a + b, 0) / 2;
  const texts = [title, ...lines].slice(0, fit).map((t, i) => {
    const s = sizes[i] ?? size;
    y += heights[i] ?? 0;
    return textEl(
      'text',
      { x: box.x + box.w / 2, y: y - s * 0.3, 'font-size': s, 'font-weight': i === 0 ? 'bold' : undefined },
      shorten(t, s, room),
    );
  });
  return el('g', { 'text-anchor': 'middle', fill: `#${ink}` }, ...texts);
}

function shorten(text: string, size: number, room: number): string {
  if (textWidth(text, size, SANS_EM) <= room) return text;
  const chars = [...text];
  while (chars.length > 0 && textWidth(`${chars.join('')}…`, size, SANS_EM) > room) chars.pop();
  return chars.length === 0 ? '' : `${chars.join('')}…`;
}
