// The vendor's `appid` and callback `version` are uint64: values above 2^53 lose digits as JS numbers
// (18446744073709551615 would become 18446744073709552000). On the wire they must be bare JSON
// numbers, so both directions go through these two functions instead of JSON.parse/stringify.

/** Keys whose integer values are uint64 on the vendor wire (requests, responses, callbacks). */
const uint64Keys: ReadonlySet<string> = new Set(['appid', 'version']);

const integerToken = /^-?\d+$/;

// JSON.rawJSON and the reviver's `context.source` ship with Node 22+ (V8 "JSON.parse with source"),
// but the ES2024 lib of TypeScript does not describe them yet.
interface JsonWithRaw {
  rawJSON(text: string): unknown;
}
interface ReviverContext {
  readonly source?: string;
}

const jsonWithRaw = JSON as unknown as JsonWithRaw;

/** JSON.stringify that writes every bigint as its exact digits (a JSON number, not a string). */
export function stringifyVendorJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? jsonWithRaw.rawJSON(v.toString()) : v));
}

/**
 * JSON.parse that turns integer numbers under `appid` and `version` into bigint, read from the
 * source text so no digit is lost. Non-integer values (1.5, "123") are left alone for the schema
 * to reject.
 */
export function parseVendorJson(text: string): unknown {
  return JSON.parse(text, function revive(key: string, value: unknown, context?: ReviverContext): unknown {
    if (typeof value === 'number' && uint64Keys.has(key) && context?.source !== undefined && integerToken.test(context.source)) {
      return BigInt(context.source);
    }
    return value;
  });
}
