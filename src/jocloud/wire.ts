// The vendor's wire structures (startrtmp, stoprtmp, responses, push-status callbacks) as zod
// schemas, with every rule of the vendor page (shared/reference/jocloud-push-to-cdn-api.txt).
//
// One source, three consumers: the operator's spec check (src/api/v1alpha1 reuses mixConfigSchema),
// the emulator (checkStartRtmpRequest → code 2101), and the CRD generator (z.toJSONSchema). So that
// the CRD can carry as much as OpenAPI can express, per-field rules (ranges, enums, multipleOf,
// maxLength, pattern) live in the field schemas and only cross-field rules live in superRefine.
// zod runs a superRefine only when every field already has the right type, so cross-field code can
// trust types (not ranges).
//
// Decisions where the page is silent or contradicts itself (each also says so in its message):
// - videogop must be a multiple of videofps, but the vendor's own sample has fps 24 and gop 3:
//   accepted with a warning.
// - videofps above 60: the page says the server lowers it to 60: accepted with a warning.
// - pos_* may be omitted for audio-only mixing: read as "the input is audio (streamtype 2) or the
//   output is audio-only (streamtype 2)", the more permissive of the two readings.
// - input together with templateid: allowed ("not required" is not "forbidden").
// - inputs reaching outside the output canvas, and image watermarks crossing its edge: warnings
//   (the page sets no rule).
// - audiochannel/audiosample "filled with a fixed value": other values are warnings, not errors.
// - base64seidata's 2048-byte limit applies to the base64 text as sent (the stricter reading).
// - byte limits count UTF-8 bytes; the CRD carries the same number as maxLength (in characters,
//   a necessary condition), and the operator checks bytes.
// - unknown fields are errors: the structure is the vendor's verbatim, and a misspelt field
//   (videowidht) must not silently vanish.
import { z } from 'zod';
import { redactUrl, redactUrlList } from '../observability/redact.js';

export const UINT64_MAX = 18_446_744_073_709_551_615n;
export const MAX_RTMP_ADDRESSES = 5;
export const MAX_URL_BYTES = 256;
export const MAX_SEI_BYTES = 2048;

// ---------------------------------------------------------------------------------------------
// Problems: what a rule check reports, in words a streaming engineer understands.

export interface Problem {
  /** Dotted path, e.g. `mixconfig.output.videowidth` or `mixconfig.input[1].pos_w`. */
  readonly path: string;
  /** A human sentence, e.g. `must be a multiple of 8 (got 601)`. */
  readonly rule: string;
}

export interface RuleCheck {
  readonly ok: boolean;
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

export function formatProblem(p: Problem): string {
  return p.path === '' ? p.rule : `${p.path}: ${p.rule}`;
}

/** `['mixconfig', 'input', 1, 'pos_w']` → `mixconfig.input[1].pos_w`, under an optional prefix. */
export function formatPath(segments: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

/** A value as it may appear in a message: short, and with URL credentials redacted. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') {
    const safe = v.includes('://') ? (v.includes(',') ? redactUrlList(v) : redactUrl(v)) : v;
    return JSON.stringify(safe.length > 80 ? `${safe.slice(0, 77)}...` : safe);
  }
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function got(input: unknown): string {
  return input === undefined ? '' : ` (got ${describeValue(input)})`;
}

const typeNouns: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  bigint: 'an integer',
  object: 'an object',
  array: 'a list',
};

function sizeOf(input: unknown): string {
  if (typeof input === 'string') return ` (got ${input.length} characters)`;
  if (Array.isArray(input)) return ` (got ${input.length})`;
  return got(input);
}

/**
 * The per-parse error map: turns zod's issues into rules with the offending value. Field schemas
 * that know better (enums with meanings) set their own `error`, which takes precedence.
 */
export const ruleErrorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type': {
      if (iss.input === undefined) return 'is required';
      const noun = typeNouns[iss.expected] ?? iss.expected;
      const hint = iss.expected === 'string' && typeof iss.input === 'number' ? ' — quote it in YAML' : '';
      return `must be ${noun}${got(iss.input)}${hint}`;
    }
    case 'too_small': {
      if (iss.origin === 'string')
        return iss.minimum === 1 ? 'must not be empty' : `must be at least ${iss.minimum} characters${sizeOf(iss.input)}`;
      if (iss.origin === 'array') return `must have at least ${iss.minimum} item${iss.minimum === 1 ? '' : 's'}${sizeOf(iss.input)}`;
      return `must be ${iss.inclusive === true ? 'at least' : 'greater than'} ${iss.minimum}${got(iss.input)}`;
    }
    case 'too_big': {
      if (iss.origin === 'string') return `must be at most ${iss.maximum} characters${sizeOf(iss.input)}`;
      if (iss.origin === 'array') return `must have at most ${iss.maximum} items${sizeOf(iss.input)}`;
      return `must be ${iss.inclusive === true ? 'at most' : 'less than'} ${iss.maximum}${got(iss.input)}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${iss.divisor}${got(iss.input)}`;
    case 'invalid_format':
      return iss.format === 'regex' && iss.pattern !== undefined
        ? `must match ${iss.pattern}${got(iss.input)}`
        : `must be a valid ${iss.format}${got(iss.input)}`;
    case 'invalid_value':
      if (iss.input === undefined) return 'is required';
      return `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}${got(iss.input)}`;
    case 'unrecognized_keys':
      return UNKNOWN_FIELD;
    default:
      return undefined;
  }
};

const UNKNOWN_FIELD = 'unknown field (check the spelling; field names are case-sensitive)';

/** One Problem per zod issue; an unrecognised-keys issue becomes one Problem per key. */
export function problemsFromZodError(error: z.ZodError, prefix = ''): Problem[] {
  const out: Problem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...issue.path, key], prefix), rule: UNKNOWN_FIELD });
      continue;
    }
    out.push({ path: formatPath(issue.path, prefix), rule: issue.message });
  }
  return out;
}

/** Runs a schema with the rule messages; the single way every check in the project parses. */
export function parseWithRules<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix = '',
): { ok: true; value: z.output<S> } | { ok: false; problems: Problem[] } {
  const r = schema.safeParse(value, { error: ruleErrorMap });
  return r.success ? { ok: true, value: r.data } : { ok: false, problems: problemsFromZodError(r.error, prefix) };
}

// ---------------------------------------------------------------------------------------------
// Field building blocks.

/** An enum of integers with meanings, e.g. `100 (H.264) or 101 (H.265)`. */
function intChoice<const T extends readonly [number, ...number[]]>(values: T, meaning: string) {
  return z
    .literal(values, { error: (iss) => (iss.input === undefined ? undefined : `must be ${meaning}${got(iss.input)}`) })
    .meta({ type: 'integer' });
}

/** A string limited in UTF-8 bytes (the vendor's unit); maxLength in the CRD is the same number. */
export function boundedBytes(maxBytes: number) {
  return z
    .string()
    .min(1)
    .max(maxBytes, { abort: true, error: (iss) => tooManyBytes(maxBytes, iss.input) })
    .refine((s) => utf8Bytes(s) <= maxBytes, { error: (iss) => tooManyBytes(maxBytes, iss.input) });
}

function tooManyBytes(maxBytes: number, input: unknown): string {
  return `must be at most ${maxBytes} bytes (got ${typeof input === 'string' ? utf8Bytes(input) : '?'} bytes)`;
}

const hexColour = z.string().regex(/^[0-9A-Fa-f]{6}$/, {
  error: (iss) => `must be an RGB colour as six hex digits RRGGBB, e.g. FFFFFF${got(iss.input)}`,
});
const alpha = z
  .number()
  .min(0)
  .max(1)
  .describe('Transparency, 0.0 (completely transparent) to 1.0 (opaque).');
/** Watermark coordinates: the page's range is the open interval (0, 10000). */
const canvasOffset = z.int().gt(0).lt(10000);
const nonEmpty = z.string().min(1);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const base64SeiData = z
  .string()
  .min(1)
  .max(MAX_SEI_BYTES, { error: (iss) => tooManyBytes(MAX_SEI_BYTES, iss.input) })
  .regex(BASE64, { error: (iss) => `must be valid base64 (A-Z a-z 0-9 + / with = padding, length a multiple of 4)${got(iss.input)}` });

/** One CDN push address. A comma can't be inside one: the vendor receives the list comma-joined. */
const RTMP_ADDRESS = /^rtmps?:\/\/[^/?#\s,]+(?:[/?#][^\s,]*)?$/;
export const rtmpAddressSchema = boundedBytes(MAX_URL_BYTES).regex(RTMP_ADDRESS, {
  error: (iss) => {
    const v = typeof iss.input === 'string' ? iss.input : '';
    if (v.includes(','))
      return 'must not contain a comma: the vendor receives all addresses as one comma-separated string, so a comma would split this address in two';
    if (/\s/.test(v)) return `must not contain spaces${got(v)}`;
    return `must be an rtmp:// or rtmps:// address with a host${got(v)}`;
  },
});

// ---------------------------------------------------------------------------------------------
// mixconfig.input

const INPUT_POSITION = ['pos_x', 'pos_y', 'pos_w', 'pos_h'] as const;
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

const VIDEO_FIELDS = ['videoheight', 'videowidth', 'videobitrate', 'videofps', 'videogop', 'videoencode'] as const;
const AUDIO_FIELDS = ['audiobitrate', 'audiochannel', 'audiosample', 'audioencode'] as const;

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

type MixOutputShape = z.output<typeof mixOutputSchema>;
type Watermark = z.output<typeof watermarkSchema>;

function isVideoOutput(o: { streamtype: 0 | 1 | 2 }): boolean {
  return o.streamtype === 0 || o.streamtype === 1;
}
function isAudioOutput(o: { streamtype: 0 | 1 | 2 }): boolean {
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

// ---------------------------------------------------------------------------------------------
// mixconfig

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

// ---------------------------------------------------------------------------------------------
// startrtmp / stoprtmp

/**
 * A uint64 on the wire. parseVendorJson (src/jocloud/json.ts) turns the JSON number into a bigint so
 * every digit survives; a number still within JavaScript's exact range is accepted too.
 */
export const uint64Schema = z
  .union([z.bigint(), z.int().min(0)], {
    error: (iss) => (iss.input === undefined ? 'is required' : `must be an unsigned 64-bit integer${got(iss.input)}`),
  })
  .transform((v) => BigInt(v))
  .pipe(z.bigint().min(0n).max(UINT64_MAX));

/** The vendor's rtmpurl: 1-5 addresses, comma-separated, each rtmp(s):// and at most 256 bytes. */
export const rtmpUrlListSchema = z.string().superRefine((value, ctx) => {
  const addresses = value.split(',');
  if (value === '') {
    ctx.addIssue({ code: 'custom', message: 'must list 1 to 5 CDN addresses separated by commas (got an empty string)' });
    return;
  }
  if (addresses.length > MAX_RTMP_ADDRESSES) {
    ctx.addIssue({ code: 'custom', message: `must list at most ${MAX_RTMP_ADDRESSES} addresses (got ${addresses.length})` });
  }
  const seen = new Set<string>();
  addresses.forEach((address, i) => {
    const r = parseWithRules(rtmpAddressSchema, address);
    const which = `address ${i + 1} of ${addresses.length}`;
    if (!r.ok) {
      const rule = address === '' ? 'is empty (a stray comma?)' : (r.problems[0]?.rule ?? 'is invalid');
      ctx.addIssue({ code: 'custom', message: `${which} ${rule}` });
    } else if (seen.has(address)) {
      ctx.addIssue({ code: 'custom', message: `${which} repeats an earlier address ${describeValue(address)}` });
    }
    seen.add(address);
  });
});

const pushStreamType = intChoice([1, 2], '1 (mixed stream pushing) or 2 (source stream pushing)');

export const startRtmpRequestSchema = z
  .strictObject({
    appid: uint64Schema,
    roomid: nonEmpty,
    rtmpurl: rtmpUrlListSchema,
    streamtype: pushStreamType,
    taskid: nonEmpty.optional(),
    uid: nonEmpty.optional(),
    mixconfig: mixConfigSchema.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.streamtype === 1) {
      if (r.taskid === undefined) ctx.addIssue({ code: 'custom', path: ['taskid'], message: 'is required for mixed stream pushing (streamtype 1)' });
      if (r.mixconfig === undefined) ctx.addIssue({ code: 'custom', path: ['mixconfig'], message: 'is required for mixed stream pushing (streamtype 1)' });
    } else if (r.uid === undefined) {
      ctx.addIssue({ code: 'custom', path: ['uid'], message: 'is required for source stream pushing (streamtype 2)' });
    }
  });

export const stopRtmpRequestSchema = z
  .strictObject({
    appid: uint64Schema,
    roomid: nonEmpty,
    streamtype: pushStreamType,
    taskid: nonEmpty.optional(),
    uid: nonEmpty.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.streamtype === 1 && r.taskid === undefined)
      ctx.addIssue({ code: 'custom', path: ['taskid'], message: 'is required to stop a mixed stream push (streamtype 1)' });
    if (r.streamtype === 2 && r.uid === undefined)
      ctx.addIssue({ code: 'custom', path: ['uid'], message: 'is required to stop a source stream push (streamtype 2)' });
  });

export type StartRtmpRequest = z.output<typeof startRtmpRequestSchema>;
export type StopRtmpRequest = z.output<typeof stopRtmpRequestSchema>;

export function startRequestWarnings(r: StartRtmpRequest): Problem[] {
  const out: Problem[] = [];
  if (r.streamtype === 2) {
    if (r.mixconfig !== undefined) out.push({ path: 'mixconfig', rule: 'is ignored for source stream pushing (streamtype 2)' });
    if (r.taskid !== undefined) out.push({ path: 'taskid', rule: 'is ignored for source stream pushing (streamtype 2); stoprtmp uses uid' });
  } else if (r.uid !== undefined) {
    out.push({ path: 'uid', rule: 'is ignored for mixed stream pushing (streamtype 1); name users in mixconfig.input' });
  }
  if (r.mixconfig !== undefined) {
    const inMix = (p: Problem): Problem => ({ path: `mixconfig.${p.path}`, rule: p.rule });
    out.push(...mixConfigWarnings(r.mixconfig).map(inMix), ...templateRoomWarnings(r.mixconfig, r.roomid).map(inMix));
  }
  return out;
}

export function checkStartRtmpRequest(body: unknown): RuleCheck & { value?: StartRtmpRequest } {
  const r = parseWithRules(startRtmpRequestSchema, body);
  if (!r.ok) return { ok: false, problems: r.problems, warnings: [] };
  return { ok: true, problems: [], warnings: startRequestWarnings(r.value), value: r.value };
}

export function checkStopRtmpRequest(body: unknown): RuleCheck & { value?: StopRtmpRequest } {
  const r = parseWithRules(stopRtmpRequestSchema, body);
  if (!r.ok) return { ok: false, problems: r.problems, warnings: [] };
  const warnings: Problem[] = [];
  if (r.value.streamtype === 1 && r.value.uid !== undefined) warnings.push({ path: 'uid', rule: 'is ignored when stopping a mixed push' });
  if (r.value.streamtype === 2 && r.value.taskid !== undefined) warnings.push({ path: 'taskid', rule: 'is ignored when stopping a source push' });
  return { ok: true, problems: [], warnings, value: r.value };
}

// ---------------------------------------------------------------------------------------------
// What the vendor sends: responses and push-status callbacks. Lenient about extra fields (the
// vendor may add some) and about missing text fields, strict about what decisions depend on.

export const vendorResponseSchema = z.object({
  code: z.int(),
  message: z.string().default(''),
  traceId: z.string().default(''),
});
export type VendorResponse = z.output<typeof vendorResponseSchema>;

/** Push-status callback codes (the page's table). */
export const PUSH_STATUS = { Pushing: 3000, SourceUnavailable: 3001, Interrupted: 3002, Terminated: 3003 } as const;

export const pushStatusCallbackSchema = z.object({
  url: nonEmpty,
  appname: z.string().default(''),
  streamname: z.string().default(''),
  appid: uint64Schema,
  roomid: z.string(),
  /** Empty for source pushes, which have no taskid. */
  taskid: z.string().default(''),
  status: intChoice([3000, 3001, 3002, 3003], '3000 (pushing), 3001 (cannot pull), 3002 (interrupted) or 3003 (terminated)'),
  version: uint64Schema,
  errcode: z.int().min(0).default(0),
  description: z.string().default(''),
});
export type PushStatusCallback = z.output<typeof pushStatusCallbackSchema>;
