// What a task's picture shows, decided from the validated spec: the canvas, the windows in drawing
// order (custom inputs or a template's slots), the watermarks, and the notes that cannot be drawn.
import type { RtmpPushTaskSpec } from '../api/v1alpha1/spec.js';
import { TEMPLATE_CAPACITY, type MixConfig, type MixInput } from '../jocloud/wire.js';
import type { Rect } from './geometry.js';
import { windowColour } from './palette.js';
import { templateSlots, type TemplateId } from './templates.js';
import { SCALE_MEANING, fileName, watermarkBoxes, type WatermarkBox } from './watermarks.js';

export interface Window {
  readonly rect: Rect;
  readonly layer: number;
  readonly colour: string;
  readonly title: string;
  readonly lines: readonly string[];
  /** How the source picture sits in the window; undefined fills it (templates, crop left to the vendor). */
  readonly crop: 0 | 1 | undefined;
  /** Assumed shape (w/h) of the source picture, for drawing the crop mode. */
  readonly aspect: number;
  readonly alpha: number;
}

export interface Canvas {
  readonly kind: 'canvas';
  readonly title: string;
  readonly width: number;
  readonly height: number;
  readonly background: string;
  readonly backgroundImage?: { readonly name: string; readonly scale: 0 | 1 };
  /** Bottom layer first. */
  readonly windows: readonly Window[];
  readonly watermarks: readonly WatermarkBox[];
  /** Drawn on the canvas itself: the template approximation. */
  readonly caption?: string;
  /** What the picture cannot show: audio-only inputs, assumptions. */
  readonly notes: readonly string[];
}

/** A task with nothing to draw: a source push or an audio-only mix. */
export interface TextOnly {
  readonly kind: 'text';
  readonly title: string;
  readonly line: string;
}

export type Preview = Canvas | TextOnly;

export interface PreviewOptions {
  /** Users to lay out in a template (--users); default: the video inputs, or 4 without any. */
  readonly users?: number | undefined;
}

/** The camera shape assumed when nothing says otherwise; only the crop drawing depends on it. */
const DEFAULT_ASPECT = 16 / 9;

const isVideo = (i: MixInput): boolean => i.streamtype !== 2;
const who = (i: MixInput): string => `uid ${i.uid} (room ${i.roomid})`;

export function buildPreview(title: string, spec: RtmpPushTaskSpec, options: PreviewOptions = {}): Preview {
  const m = spec.mixconfig;
  if (spec.streamtype === 2 || m === undefined)
    return { kind: 'text', title, line: `${title}: source push of uid ${spec.uid ?? '?'} in room ${spec.roomid}, forwarded as it is: no mix to draw` };
  const { videowidth: width, videoheight: height } = m.output;
  if (m.output.streamtype === 2 || width === undefined || height === undefined) {
    const users = m.input === undefined ? `the room's users (template ${m.templateid ?? '?'})` : m.input.map(who).join(', ');
    return { kind: 'text', title, line: `${title}: audio-only mix (output streamtype 2) of ${users}: no video to draw` };
  }
  const audio = (m.input ?? []).filter((i) => !isVideo(i));
  const notes = audio.length === 0 ? [] : [`audio-only inputs, heard but not drawn: ${audio.map(who).join(', ')}`];
  const layout = m.templateid === undefined ? customWindows(m) : templateWindows(m, m.templateid, width, height, options);
  const bg = m.output.background;
  const image = bg?.image;
  if (image !== undefined)
    notes.push(`background image ${fileName(image.url)} (${SCALE_MEANING[image.scale]}) drawn as a striped box${bg?.color === undefined ? '' : '; background.color is ignored under it'}`);
  return {
    kind: 'canvas',
    title,
    width,
    height,
    background: bg?.color ?? '000000',
    ...(image === undefined ? {} : { backgroundImage: { name: fileName(image.url), scale: image.scale } }),
    windows: layout.windows,
    watermarks: watermarkBoxes(m.output.watermark),
    ...(layout.caption === undefined ? {} : { caption: layout.caption }),
    notes: [...notes, ...layout.notes],
  };
}

interface Layout {
  readonly windows: Window[];
  readonly caption?: string;
  readonly notes: string[];
}

const CROP_TEXT = { 0: 'crop 0: fit, borders', 1: 'crop 1: fill, clipped' } as const;

function customWindows(m: MixConfig): Layout {
  const windows: Window[] = [];
  let assumedShape = false;
  (m.input ?? []).forEach((input, index) => {
    const { pos_x: x, pos_y: y, pos_w: w, pos_h: h } = input;
    if (!isVideo(input) || x === undefined || y === undefined || w === undefined || h === undefined) return;
    const cutout = input.cutout_w !== undefined && input.cutout_h !== undefined ? input : undefined;
    if (cutout === undefined && input.crop !== undefined) assumedShape = true;
    const lines = [
      `room ${input.roomid}`,
      `layer ${input.layer}`,
      input.crop === undefined ? 'crop: vendor default' : CROP_TEXT[input.crop],
      ...(cutout === undefined ? [] : [`cutout ${cutout.cutout_w} × ${cutout.cutout_h} at ${cutout.cutout_x},${cutout.cutout_y}`]),
      ...(input.alpha === undefined || input.alpha === 1 ? [] : [`alpha ${input.alpha}`]),
      ...(input.streamtype === 1 ? ['video only'] : []),
    ];
    windows.push({
      rect: { x, y, w, h },
      layer: input.layer,
      colour: windowColour(index),
      title: `uid ${input.uid}`,
      lines,
      crop: input.crop,
      aspect: cutout === undefined ? DEFAULT_ASPECT : (cutout.cutout_w ?? 16) / (cutout.cutout_h ?? 9),
      alpha: input.alpha ?? 1,
    });
  });
  // Stable: inputs on the same layer keep their list order.
  windows.sort((a, b) => a.layer - b.layer);
  const notes = assumedShape
    ? ["crop is drawn for a 16:9 camera picture (a cutout's own shape when set); the real picture's shape decides where borders or clipping fall"]
    : [];
  return { windows, notes };
}

function templateWindows(m: MixConfig, id: TemplateId, width: number, height: number, options: PreviewOptions): Layout {
  const template = TEMPLATE_CAPACITY[id];
  const inputs = (m.input ?? []).filter(isVideo);
  const asked = options.users ?? (inputs.length > 0 ? inputs.length : 4);
  const slots = templateSlots(id, asked, width, height);
  const windows = slots.map((slot, i): Window => {
    const input = inputs[i];
    return {
      rect: slot.rect,
      layer: slot.layer,
      colour: windowColour(i),
      title: input === undefined ? `user ${i + 1}` : `uid ${input.uid}`,
      lines: input === undefined ? [] : [`room ${input.roomid}`],
      crop: undefined,
      aspect: DEFAULT_ASPECT,
      alpha: 1,
    };
  });
  const caption = `template ${id} (${template.name}), ${slots.length} user${slots.length === 1 ? '' : 's'}: the vendor's exact geometry is approximated`;
  const notes = [caption];
  if (asked > slots.length) notes.push(`${asked} users asked; the ${template.name} template shows at most ${template.users}, the others are not drawn`);
  if (inputs.some((i) => i.pos_x !== undefined))
    notes.push(`input positions are not drawn: templateid ${id} lays the users out`);
  return { windows: windows.sort((a, b) => a.layer - b.layer), caption, notes };
}
