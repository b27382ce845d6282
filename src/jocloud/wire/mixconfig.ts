// mixconfig as a whole: inputs, output and layout template, the rules across them, and the
// warnings for what is allowed but probably not meant.
import { z } from 'zod';
import { intChoice } from './fields.js';
import { AUDIO_FIELDS, INPUT_POSITION, isAudioOutput, isVideoOutput, mixInputSchema, mixOutputSchema, VIDEO_FIELDS, type MixOutputShape } from './mix-parts.js';
import { formatPath, type Problem } from './problems.js';

/** How many users each layout template shows (the page's notes). */
export const TEMPLATE_CAPACITY: Record<1 | 2 | 3 | 4, { name: string; users: number }> = {
  1: { name: 'horizontal', users: 17 },
  2: { name: 'vertical', users: 17 },
  3: { name: 'tiled', users: 16 },
  4: { name: 'corner', users: 5 },
};

export const mixConfigSchema = z
  .strictObject({
    input: z
      .array(mixInputSchema)
      .min(1)
      .optional()
      .describe('Input streams and their layout; required unless templateid picks a layout template.'),
    output: mixOutputSchema.describe('Output stream parameters.'),
    templateid: intChoice([1, 2, 3, 4], '1 (horizontal), 2 (vertical), 3 (tiled) or 4 (corner)')
      .optional()
      .describe('Layout template for co-hosting within one room: 1 horizontal, 2 vertical, 3 tiled, 4 corner.'),
  })
  .superRefine((m, ctx) => {
    if (m.input === undefined && m.templateid === undefined) {
      ctx.addIssue({ code: 'custom', path: ['input'], message: 'is required unless templateid (1-4) picks a layout template' });
    }
    const audioOnlyMix = m.output.streamtype === 2;
    m.input?.forEach((input, i) => {
      if (audioOnlyMix || input.streamtype === 2) return;
      for (const f of INPUT_POSITION) {
        if (input[f] !== undefined) continue;
        ctx.addIssue({
          code: 'custom',
          path: ['input', i, f],
          message: `is required for ${input.streamtype === 0 ? 'an audio/video' : 'a video'} input in a video mix (only audio inputs or an audio-only output may omit positions)`,
        });
      }
    });
  });

export type MixInput = z.output<typeof mixInputSchema>;
export type MixOutput = MixOutputShape;
export type MixConfig = z.output<typeof mixConfigSchema>;

/** What is allowed but probably not meant. Paths are relative to the mixconfig. */
export function mixConfigWarnings(m: MixConfig): Problem[] {
  const out: Problem[] = [];
  const warn = (path: PropertyKey[], rule: string): void => {
    out.push({ path: formatPath(path), rule });
  };
  const o = m.output;
  const op = (f: string): PropertyKey[] => ['output', f];

  if (isVideoOutput(o)) {
    if (o.videofps !== undefined && o.videofps > 60) warn(op('videofps'), `is above 60; the vendor lowers it to 60 (got ${o.videofps})`);
    if (o.videofps !== undefined && o.videogop !== undefined && o.videofps > 0 && o.videogop % o.videofps !== 0) {
      warn(
        op('videogop'),
        `should be a multiple of videofps (${o.videofps}) per the vendor page (got ${o.videogop}); accepted because the vendor's own sample does the same`,
      );
    }
  } else {
    for (const f of VIDEO_FIELDS) if (o[f] !== undefined) warn(op(f), 'is ignored: the output is audio only (streamtype 2)');
    if (o.watermark !== undefined) warn(op('watermark'), 'is ignored: the output is audio only (streamtype 2)');
  }
  if (isAudioOutput(o)) {
    if (o.audiochannel !== undefined && o.audiochannel !== 2)
      warn(op('audiochannel'), `the vendor page says to fill the fixed value 2 (got ${o.audiochannel})`);
    if (o.audiosample !== undefined && o.audiosample !== 44100)
      warn(op('audiosample'), `the vendor page says to fill the fixed value 44100 (got ${o.audiosample})`);
  } else {
    for (const f of AUDIO_FIELDS) if (o[f] !== undefined) warn(op(f), 'is ignored: the output is video only (streamtype 1)');
  }
  if (o.patchUrl !== undefined && o.patch !== 3) warn(op('patchUrl'), 'is ignored unless patch is 3');
  if (o.background?.color !== undefined && o.background.image !== undefined)
    warn(['output', 'background', 'color'], 'is ignored: when both image and color are set, only the image is used');

  if (isVideoOutput(o) && o.videowidth !== undefined && o.videoheight !== undefined) {
    const { videowidth: width, videoheight: height } = o;
    m.input?.forEach((input, i) => {
      if (input.streamtype === 2 || input.pos_x === undefined || input.pos_w === undefined) return;
      if (input.pos_x + input.pos_w > width)
        warn(['input', i, 'pos_w'], `reaches past the right edge of the canvas: pos_x + pos_w = ${input.pos_x + input.pos_w} > videowidth ${width}`);
      if (input.pos_y !== undefined && input.pos_h !== undefined && input.pos_y + input.pos_h > height)
        warn(['input', i, 'pos_h'], `reaches past the bottom edge of the canvas: pos_y + pos_h = ${input.pos_y + input.pos_h} > videoheight ${height}`);
    });
    o.watermark?.imageList?.forEach((img, i) => {
      if (img.x + img.width > width)
        warn(['output', 'watermark', 'imageList', i, 'width'], `reaches past the right edge of the canvas: x + width = ${img.x + img.width} > videowidth ${width}`);
      if (img.y + img.height > height)
        warn(['output', 'watermark', 'imageList', i, 'height'], `reaches past the bottom edge of the canvas: y + height = ${img.y + img.height} > videoheight ${height}`);
    });
  }
  if (m.templateid !== undefined && m.input !== undefined) {
    const t = TEMPLATE_CAPACITY[m.templateid];
    if (m.input.length > t.users) warn(['input'], `has ${m.input.length} users; the ${t.name} template (${m.templateid}) shows at most ${t.users}`);
  }
  return out;
}

/** Layout templates only work within one room (the page's note); cross-room mixes need input positions. */
export function templateRoomWarnings(m: MixConfig, roomid: string): Problem[] {
  if (m.templateid === undefined || m.input === undefined) return [];
  return m.input.flatMap((input, i) =>
    input.roomid === roomid
      ? []
      : [
          {
            path: formatPath(['input', i, 'roomid']),
            rule: `is another room (${JSON.stringify(input.roomid)}, the task's is ${JSON.stringify(roomid)}): layout templates only apply within one room; for cross-room co-hosting set positions per uid instead of templateid`,
          },
        ],
  );
}
