// The vendor's wire structures (startrtmp, stoprtmp, responses, push-status callbacks) as zod
// schemas, with every rule of the vendor page. The schemas live under wire/ by concern (problems,
// fields, mix-parts, mixconfig, requests, answers); this file is the one place importers use.
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

export { describeValue, formatPath, formatProblem, parseWithRules, problemsFromZodError, ruleErrorMap, utf8Bytes, type Problem, type RuleCheck } from './wire/problems.js';
export { boundedBytes, MAX_RTMP_ADDRESSES, MAX_SEI_BYTES, MAX_URL_BYTES, rtmpAddressSchema, UINT64_MAX } from './wire/fields.js';
export {
  backgroundSchema,
  imageWatermarkSchema,
  mixInputSchema,
  mixOutputSchema,
  textWatermarkSchema,
  timestampWatermarkSchema,
  watermarkSchema,
} from './wire/mix-parts.js';
export { mixConfigSchema, mixConfigWarnings, TEMPLATE_CAPACITY, templateRoomWarnings, type MixConfig, type MixInput, type MixOutput } from './wire/mixconfig.js';
export {
  checkStartRtmpRequest,
  checkStopRtmpRequest,
  rtmpUrlListSchema,
  startRequestWarnings,
  startRtmpRequestSchema,
  stopRtmpRequestSchema,
  uint64Schema,
  type StartRtmpRequest,
  type StopRtmpRequest,
} from './wire/requests.js';
export { PUSH_STATUS, pushStatusCallbackSchema, vendorResponseSchema, type PushStatusCallback, type VendorResponse } from './wire/answers.js';
