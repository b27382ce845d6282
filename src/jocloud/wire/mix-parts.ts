// The parts of a mixconfig: one input's layout, the output stream with its watermarks and
// background, and the per-field and cross-field rules of each (the page's tables).
import { z } from 'zod';
import { alpha, base64SeiData, boundedBytes, canvasOffset, hexColour, intChoice, MAX_URL_BYTES, nonEmpty } from './fields.js';
import { got } from './problems.js';

export const INPUT_POSITION = ['pos_x', 'pos_y', 'pos_w', 'pos_h'] as const;
const CUTOUT = ['cutout_x', 'cutout_y', 'cutout_w', 'cutout_h'] as const;

export const mixInputSchema = z
  .strictObject({
    uid: nonEmpty.describe('Anchor user ID.'),
    roomid: nonEmpty.describe("Room the anchor publishes in (the task's room, or another for cross-room co-hosting)."),
    streamtype: intChoice([0, 1, 2], '0 (audio/video), 1 (video) or 2 (audio)').describe(
      'Input stream type: 0 audio/video, 1 video, 2 audio.',
    ),
    layer: z.int().min(0).describe('Layer: 0 is the bottom layer, 1 the first above it, and so on.'),
    pos_x: z.int().min(0).optional().describe('Top-left x in the canvas (x grows rightwards). Optional for audio-only mixing.'),
    pos_y: z.int().min(0).optional().describe('Top-left y in the canvas (y grows downwards). Optional for audio-only mixing.'),
    pos_w: z.int().gt(0).optional().describe('Width in the canvas. Optional for audio-only mixing.'),
    pos_h: z.int().gt(0).optional().describe('Height in the canvas. Optional for audio-only mixing.'),
    crop: intChoice([0, 1], '0 (centre with black borders) or 1 (centre and crop to fill)')
      .optional()
      .describe('Zoom: 0 centres the input with black borders, 1 centres and crops to fill.'),
    cutout_x: z.int().min(0).optional().describe('Cutout area x in the original picture (set all four cutout_* or none).'),
    cutout_y: z.int().min(0).optional().describe('Cutout area y in the original picture.'),
    cutout_w: z.int().gt(0).optional().describe('Cutout area width.'),
    cutout_h: z.int().gt(0).optional().describe('Cutout area height.'),
    alpha: alpha.optional(),
  })
  .superRefine((input, ctx) => {
    const given = CUTOUT.filter((f) => input[f] !== undefined);
    if (given.length === 0 || given.length === CUTOUT.length) return;
    for (const f of CUTOUT) {
      if (input[f] !== undefined) continue;
      ctx.addIssue({
        code: 'custom',
        path: [f],
        message: `is required because ${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} set: a cutout needs all four of cutout_x, cutout_y, cutout_w, cutout_h`,
      });
    }
  });

// ---------------------------------------------------------------------------------------------
// mixconfig.output.watermark and .background

const TIMESTAMP_FORMATS = ['%Y/%m/%d', '%Y-%m-%d', '%H:%M:%S', '%Y/%m/%d %H:%M:%S', '%Y-%m-%d %H:%M:%S'] as const;

const watermarkText = {
  font: nonEmpty.optional().describe('Font; the vendor default is NotoSansCJK.'),
  size: z.int().gt(0).max(100).describe('Font size, (0, 100].'),
  color: hexColour.optional().describe('Font colour RRGGBB, default FFFFFF (white).'),
  backgroundColor: hexColour.optional().describe('Background colour RRGGBB, default 000000 (black).'),
  alpha: alpha.optional(),
};

export const timestampWatermarkSchema = z.strictObject({
  x: canvasOffset.describe('x of the top-left corner, (0, 10000), less than output.videowidth.'),
  y: canvasOffset.describe('y of the top-left corner, (0, 10000), less than output.videoheight.'),
  format: z
    .enum(TIMESTAMP_FORMATS, {
      error: (iss) =>
        iss.input === undefined ? undefined : `must be one of ${TIMESTAMP_FORMATS.map((f) => JSON.stringify(f)).join(', ')}${got(iss.input)}`,
    })
    .describe('Time format.'),
  ...watermarkText,
});

export const textWatermarkSchema = z.strictObject({
  x: canvasOffset.describe('x of the top-left corner, (0, 10000), less than output.videowidth.'),
  y: canvasOffset.describe('y of the top-left corner, (0, 10000), less than output.videoheight.'),
  content: nonEmpty.describe('The text.'),
  ...watermarkText,
});

const scale = intChoice([0, 1], '0 (scale to fill, cropped) or 1 (scale to fit)').describe(
  '0 scales uniformly until the picture fills the area (cropped), 1 until one dimension fits (zoomed to fit).',
);

export const imageWatermarkSchema = z.strictObject({
  x: canvasOffset.describe('x of the top-left corner, (0, 10000), less than output.videowidth.'),
  y: canvasOffset.describe('y of the top-left corner, (0, 10000), less than output.videoheight.'),
  width: canvasOffset.describe('Image width, (0, 10000), less than output.videowidth.'),
  height: canvasOffset.describe('Image height, (0, 10000), less than output.videoheight.'),
  url: boundedBytes(MAX_URL_BYTES).describe('Image URL, at most 256 bytes.'),
  scale,
  alpha: alpha.optional(),
});

export const watermarkSchema = z.strictObject({
  timestamp: timestampWatermarkSchema.optional().describe('Timestamp watermark.'),
  textList: z.array(textWatermarkSchema).optional().describe('Text watermarks.'),
  imageList: z.array(imageWatermarkSchema).optional().describe('Image watermarks.'),
});

export const backgroundSchema = z.strictObject({
  color: hexColour.optional().describe('Background colour RRGGBB, default 000000 (black).'),
  image: z
    .strictObject({ url: boundedBytes(MAX_URL_BYTES).describe('Image URL, at most 256 bytes.'), scale })
    .optional()
    .describe('Background image; when both image and color are set, only the image is used.'),
});

// ---------------------------------------------------------------------------------------------
// mixconfig.output

export const VIDEO_FIELDS = ['videoheight', 'videowidth', 'videobitrate', 'videofps', 'videogop', 'videoencode'] as const;
export const AUDIO_FIELDS = ['audiobitrate', 'audiochannel', 'audiosample', 'audioencode'] as const;

const outputKinds: Record<0 | 1 | 2, string> = { 0: '0 (audio/video)', 1: '1 (video)', 2: '2 (audio only)' };

export const mixOutputSchema = z
  .strictObject({
    streamtype: intChoice([0, 1, 2], '0 (audio/video), 1 (video) or 2 (audio only)').describe(
      'Output stream type: 0 audio/video, 1 video, 2 audio only.',
    ),
    videoheight: z
      .int()
      .gt(0)
      .lt(10000)
      .multipleOf(8)
      .optional()
      .describe('Video height, a multiple of 8 in (0, 10000); required for video outputs. Recommended 600.'),
    videowidth: z
      .int()
      .gt(0)
      .lt(10000)
      .multipleOf(8)
      .optional()
      .describe('Video width, a multiple of 8 in (0, 10000); required for video outputs. Recommended 800.'),
    videobitrate: z.int().gt(0).lt(10000).optional().describe('Video bit rate in kbps, (0, 10000); required for video outputs.'),
    videofps: z
      .int()
      .gt(0)
      .optional()
      .describe('Frame rate, (0, 60]; required for video outputs. The vendor lowers values above 60 to 60.'),
    videogop: z
      .int()
      .gt(0)
      .max(1000)
      .optional()
      .describe('GOP in frames, (0, 1000], a multiple of videofps; required for video outputs.'),
    videoencode: intChoice([100, 101], '100 (H.264) or 101 (H.265)').optional().describe('Video codec: 100 H.264, 101 H.265.'),
    audiobitrate: z.int().gt(0).optional().describe('Audio bit rate in kbps (the vendor suggests 64); required for audio outputs.'),
    audiochannel: z.int().gt(0).optional().describe('Audio channels (the vendor says: fixed value 2); required for audio outputs.'),
    audiosample: z
      .int()
      .gt(0)
      .optional()
      .describe('Audio sample rate (the vendor says: fixed value 44100); required for audio outputs.'),
    audioencode: intChoice([1, 35], '1 (AAC+) or 35 (AAC)').optional().describe('Audio codec: 1 AAC+, 35 AAC (128 kbps).'),
    patch: intChoice([0, 1, 2, 3], '0 (none), 1 (black), 2 (last frame) or 3 (picture from patchUrl)')
      .optional()
      .describe('Frame interpolation: 0 none, 1 black screen, 2 last frame, 3 the picture at patchUrl.'),
    patchUrl: boundedBytes(MAX_URL_BYTES).optional().describe('Picture for patch 3, at most 256 bytes.'),
    seilayout: intChoice([0, 1], '0 or 1').optional().describe('1 writes the input layout into the SEI of the mixed video.'),
    watermark: watermarkSchema.optional().describe('Watermarks.'),
    background: backgroundSchema.optional().describe('Background colour and picture.'),
    base64seidata: base64SeiData.optional().describe('SEI data, base64, at most 2048 bytes of base64 text.'),
  })
  .superRefine((o, ctx) => {
    const kind = outputKinds[o.streamtype];
    if (isVideoOutput(o)) {
      for (const f of VIDEO_FIELDS) {
        if (o[f] === undefined) ctx.addIssue({ code: 'custom', path: [f], message: `is required for a video output (output streamtype is ${kind})` });
      }
    }
    if (isAudioOutput(o)) {
      for (const f of AUDIO_FIELDS) {
        if (o[f] === undefined) ctx.addIssue({ code: 'custom', path: [f], message: `is required for an audio output (output streamtype is ${kind})` });
      }
    }
    if (o.patch === 3 && o.patchUrl === undefined) {
      ctx.addIssue({ code: 'custom', path: ['patchUrl'], message: 'is required when patch is 3 (interpolate with a picture)' });
    }
    if (isVideoOutput(o) && o.watermark !== undefined) {
      for (const { path, message } of watermarkCanvasIssues(o.watermark, o.videowidth, o.videoheight)) {
        ctx.addIssue({ code: 'custom', path, message });
      }
    }
  });

export type MixOutputShape = z.output<typeof mixOutputSchema>;
type Watermark = z.output<typeof watermarkSchema>;

export function isVideoOutput(o: { streamtype: 0 | 1 | 2 }): boolean {
  return o.streamtype === 0 || o.streamtype === 1;
}
export function isAudioOutput(o: { streamtype: 0 | 1 | 2 }): boolean {
  return o.streamtype === 0 || o.streamtype === 2;
}

interface CustomIssue {
  code: 'custom';
  path: PropertyKey[];
  message: string;
}

/** The page: watermark x/y/width less than videowidth, y/height less than videoheight. */
function watermarkCanvasIssues(w: Watermark, width: number | undefined, height: number | undefined): CustomIssue[] {
  const issues: CustomIssue[] = [];
  const below = (value: number, limit: number | undefined, limitName: string, path: PropertyKey[]): void => {
    if (limit !== undefined && value >= limit) {
      issues.push({ code: 'custom', path: ['watermark', ...path], message: `must be less than output.${limitName} (${limit})${got(value)}` });
    }
  };
  if (w.timestamp !== undefined) {
    below(w.timestamp.x, width, 'videowidth', ['timestamp', 'x']);
    below(w.timestamp.y, height, 'videoheight', ['timestamp', 'y']);
  }
  w.textList?.forEach((t, i) => {
    below(t.x, width, 'videowidth', ['textList', i, 'x']);
    below(t.y, height, 'videoheight', ['textList', i, 'y']);
  });
  w.imageList?.forEach((img, i) => {
    below(img.x, width, 'videowidth', ['imageList', i, 'x']);
    below(img.y, height, 'videoheight', ['imageList', i, 'y']);
    below(img.width, width, 'videowidth', ['imageList', i, 'width']);
    below(img.height, height, 'videoheight', ['imageList', i, 'height']);
  });
  return issues;
}
