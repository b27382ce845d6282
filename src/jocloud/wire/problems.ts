// What a rule check reports, in words a streaming engineer understands: Problems with a dotted
// path and a sentence, the zod error map that writes those sentences, and parseWithRules, the
// single way every check in the project parses.
import type { z } from 'zod';
import { redactUrl, redactUrlList } from '../../observability/redact.js';

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

export function got(input: unknown): string {
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
