// Field building blocks shared by the mixconfig and request schemas: the vendor's limits, byte-
// bounded strings, colours, enums of integers with meanings, one CDN push address.
import { z } from 'zod';
import { got, utf8Bytes } from './problems.js';

export const UINT64_MAX = 18_446_744_073_709_551_615n;
export const MAX_RTMP_ADDRESSES = 5;
export const MAX_URL_BYTES = 256;
export const MAX_SEI_BYTES = 2048;

/** An enum of integers with meanings, e.g. `100 (H.264) or 101 (H.265)`. */
export function intChoice<const T extends readonly [number, ...number[]]>(values: T, meaning: string) {
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

export const hexColour = z.string().regex(/^[0-9A-Fa-f]{6}$/, {
  error: (iss) => `must be an RGB colour as six hex digits RRGGBB, e.g. FFFFFF${got(iss.input)}`,
});
export const alpha = z
  .number()
  .min(0)
  .max(1)
  .describe('Transparency, 0.0 (completely transparent) to 1.0 (opaque).');
/** Watermark coordinates: the page's range is the open interval (0, 10000). */
export const canvasOffset = z.int().gt(0).lt(10000);
export const nonEmpty = z.string().min(1);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
export const base64SeiData = z
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
