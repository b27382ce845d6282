// Layout mistakes a picture makes obvious, reported by `validate` too: an input hidden entirely
// under higher layers or outside the canvas, a text watermark running off the canvas, watermarks
// over one another. Text boxes are estimates (see watermarks.ts) and the messages say so.
import { formatPath, type MixConfig, type MixInput, type Problem } from '../jocloud/wire.js';
import { coveredBy, intersection, type Rect } from './geometry.js';
import { watermarkBoxes, type WatermarkBox } from './watermarks.js';

/** Paths are under `prefix`, e.g. `spec.mixconfig`. */
export function layoutWarnings(m: MixConfig, prefix = ''): Problem[] {
  const { streamtype, videowidth: width, videoheight: height } = m.output;
  if (streamtype === 2 || width === undefined || height === undefined) return [];
  const canvas = { x: 0, y: 0, w: width, h: height };
  const at = (segments: readonly (string | number)[]): string => formatPath(segments, prefix);
  // With a template the vendor places the users; input positions don't decide what is seen.
  const inputs = m.templateid === undefined ? inputWarnings(m.input ?? [], canvas, at) : [];
  return [...inputs, ...watermarkWarnings(watermarkBoxes(m.output.watermark), canvas, at)];
}

type At = (segments: readonly (string | number)[]) => string;

interface Placed {
  readonly index: number;
  readonly input: MixInput;
  readonly rect: Rect;
}

function inputWarnings(inputs: readonly MixInput[], canvas: Rect, at: At): Problem[] {
  const placed: Placed[] = [];
  inputs.forEach((input, index) => {
    const { pos_x: x, pos_y: y, pos_w: w, pos_h: h } = input;
    if (input.streamtype !== 2 && x !== undefined && y !== undefined && w !== undefined && h !== undefined) placed.push({ index, input, rect: { x, y, w, h } });
  });
  const out: Problem[] = [];
  for (const p of placed) {
    const seen = intersection(p.rect, canvas);
    if (seen === undefined) {
      out.push({ path: at(['input', p.index]), rule: `lies entirely outside the ${canvas.w} × ${canvas.h} canvas: nothing of uid ${p.input.uid} is seen` });
      continue;
    }
    // Only opaque inputs hide what is under them; the order within one layer is not documented.
    const above = placed.filter((q) => q.input.layer > p.input.layer && (q.input.alpha ?? 1) === 1 && intersection(q.rect, seen) !== undefined);
    if (coveredBy(seen, above.map((q) => q.rect))) {
      const names = above.map((q) => `input[${q.index}] (uid ${q.input.uid}, layer ${q.input.layer})`).join(', ');
      out.push({ path: at(['input', p.index]), rule: `is hidden entirely under higher layers: ${names}; nothing of uid ${p.input.uid} is seen` });
    }
  }
  return out;
}

const name = (b: WatermarkBox): string => formatPath(['output', 'watermark', ...b.path]);
const ESTIMATE = "estimated from the font size; the vendor's font metrics are not published";

function watermarkWarnings(boxes: readonly WatermarkBox[], canvas: Rect, at: At): Problem[] {
  const out: Problem[] = [];
  for (const b of boxes) {
    // Image boxes crossing the edge are already reported by the vendor rules (mixConfigWarnings).
    if (b.kind === 'image') continue;
    const right = Math.ceil(b.rect.x + b.rect.w);
    const bottom = Math.ceil(b.rect.y + b.rect.h);
    if (right > canvas.w) out.push({ path: at(['output', 'watermark', ...b.path]), rule: `probably runs past the right edge of the canvas: ends near x ${right} > videowidth ${canvas.w} (${ESTIMATE})` });
    if (bottom > canvas.h) out.push({ path: at(['output', 'watermark', ...b.path]), rule: `probably runs past the bottom edge of the canvas: ends near y ${bottom} > videoheight ${canvas.h} (${ESTIMATE})` });
  }
  boxes.forEach((b, i) => {
    const under = boxes.slice(0, i).filter((a) => intersection(a.rect, b.rect) !== undefined);
    if (under.length === 0) return;
    const estimated = b.kind !== 'image' || under.some((a) => a.kind !== 'image') ? ` (text boxes ${ESTIMATE})` : '';
    out.push({ path: at(['output', 'watermark', ...b.path]), rule: `overlaps ${under.map(name).join(', ')}${estimated}` });
  });
  return out;
}
