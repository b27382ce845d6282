// Where each watermark lands on the canvas. Image boxes are exact (x, y, width, height); the boxes
// of text and timestamps are estimates from the font size and the characters, because the vendor
// does not publish its font metrics. The picture and the overlap warnings use the same boxes.
import type { MixOutput } from '../jocloud/wire.js';
import { textWidth, type Rect } from './geometry.js';

type Watermark = NonNullable<MixOutput['watermark']>;

interface BoxBase {
  /** Path under output.watermark, e.g. ['textList', 0]. */
  readonly path: readonly (string | number)[];
  readonly rect: Rect;
  readonly alpha: number;
}
export interface TextBox extends BoxBase {
  readonly kind: 'timestamp' | 'text';
  readonly text: string;
  readonly size: number;
  readonly colour: string;
  readonly background: string;
}
export interface ImageBox extends BoxBase {
  readonly kind: 'image';
  readonly name: string;
  readonly scale: 0 | 1;
}
export type WatermarkBox = TextBox | ImageBox;

/** The moment every timestamp watermark shows, so pictures are the same on every run. */
const SAMPLE = { Y: '2024', m: '06', d: '01', H: '20', M: '30', S: '15' } as const;

/** A format of the vendor's list (%Y %m %d %H %M %S) applied to the fixed sample moment. */
export function sampleTimestamp(format: string): string {
  return format.replace(/%([YmdHMS])/g, (_, k: keyof typeof SAMPLE) => SAMPLE[k]);
}

export const SCALE_MEANING: Record<0 | 1, string> = { 0: 'scale 0: fill, cropped', 1: 'scale 1: fit' };

/** The text's padding around the glyphs, as a share of the font size. */
export const TEXT_PAD = 0.2;
const LINE = 1.4;

function textBox(kind: TextBox['kind'], path: TextBox['path'], t: { x: number; y: number; size: number; color?: string | undefined; backgroundColor?: string | undefined; alpha?: number | undefined }, text: string): TextBox {
  const rect = { x: t.x, y: t.y, w: textWidth(text, t.size) + 2 * TEXT_PAD * t.size, h: LINE * t.size };
  return { kind, path, rect, alpha: t.alpha ?? 1, text, size: t.size, colour: t.color ?? 'FFFFFF', background: t.backgroundColor ?? '000000' };
}

/** The last path segment of an address, without query or fragment (which may hold a signature). */
export function fileName(url: string): string {
  const bare = url.split(/[?#]/)[0] ?? '';
  const last = bare.slice(bare.lastIndexOf('/') + 1);
  return last === '' ? 'image' : last;
}

/** Every watermark's box in drawing order: images, then texts, then the timestamp. */
export function watermarkBoxes(w: Watermark | undefined): WatermarkBox[] {
  if (w === undefined) return [];
  const images = (w.imageList ?? []).map(
    (img, i): ImageBox => ({
      kind: 'image',
      path: ['imageList', i],
      rect: { x: img.x, y: img.y, w: img.width, h: img.height },
      alpha: img.alpha ?? 1,
      name: fileName(img.url),
      scale: img.scale,
    }),
  );
  const texts = (w.textList ?? []).map((t, i) => textBox('text', ['textList', i], t, t.content));
  const stamp = w.timestamp === undefined ? [] : [textBox('timestamp', ['timestamp'], w.timestamp, sampleTimestamp(w.timestamp.format))];
  return [...images, ...texts, ...stamp];
}
