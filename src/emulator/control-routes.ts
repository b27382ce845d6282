// The control API under /_emulator/: inspect what the emulator saw and did, and steer it (faults,
// address states, one-off callbacks, reset). JSON in and out; uint64s go out as strings.
import type { z } from 'zod';
import { parseVendorJson } from '../jocloud/json.js';
import type { CallLog } from './call-log.js';
import { destinationStateInputSchema, faultSpecSchema, sendCallbackInputSchema } from './control-api.js';
import type { FaultRegistry } from './faults.js';
import { toJsonSafe } from './json-safe.js';
import type { VendorEmulator } from './vendor-emulator.js';

export const CONTROL_PREFIX = '/_emulator/';

export interface ControlContext {
  readonly emulator: VendorEmulator;
  readonly calls: CallLog;
  readonly faults: FaultRegistry;
}

export interface ControlAnswer {
  readonly status: number;
  readonly body: unknown;
}

const ok = { ok: true } as const;

export async function handleControl(ctx: ControlContext, method: string, url: URL, bodyText: string): Promise<ControlAnswer> {
  const route = `${method} ${url.pathname.slice(CONTROL_PREFIX.length).replace(/\/+$/, '')}`;
  switch (route) {
    case 'GET healthz':
      return { status: 200, body: ok };
    case 'GET tasks':
      return { status: 200, body: ctx.emulator.tasks() };
    case 'GET calls': {
      const endpoint = url.searchParams.get('endpoint');
      const records = ctx.calls.list();
      return { status: 200, body: endpoint === null ? records : records.filter((r) => r.endpoint === endpoint) };
    }
    case 'GET calls/count':
      return { status: 200, body: ctx.calls.counts() };
    case 'DELETE calls':
      ctx.calls.clear();
      return { status: 200, body: ok };
    case 'GET faults':
      return { status: 200, body: ctx.faults.list() };
    case 'POST faults':
      return withInput(faultSpecSchema, bodyText, (spec) => ({ status: 201, body: ctx.faults.add(spec) }));
    case 'DELETE faults':
      ctx.faults.clear();
      return { status: 200, body: ok };
    case 'POST destinations':
      return withInput(destinationStateInputSchema, bodyText, (input) => ({ status: 200, body: ctx.emulator.setDestination(input) }));
    case 'GET callbacks':
      return { status: 200, body: ctx.emulator.callbackLog() };
    case 'POST callbacks': {
      const parsed = parseInput(sendCallbackInputSchema, bodyText);
      if (!parsed.ok) return parsed.answer;
      return { status: 200, body: await ctx.emulator.sendCallback(parsed.value) };
    }
    case 'POST tick':
      ctx.emulator.tick();
      return { status: 200, body: ok };
    case 'POST reset':
      ctx.emulator.reset();
      ctx.calls.clear();
      ctx.faults.clear();
      return { status: 200, body: ok };
    default:
      return { status: 404, body: { error: `no control route ${route}`, routes: ROUTES } };
  }
}

const ROUTES = [
  'GET healthz',
  'GET tasks',
  'GET calls[?endpoint=startrtmp|stoprtmp]',
  'GET calls/count',
  'DELETE calls',
  'GET faults',
  'POST faults',
  'DELETE faults',
  'POST destinations',
  'GET callbacks',
  'POST callbacks',
  'POST tick',
  'POST reset',
].map((r) => r.replace(' ', ` ${CONTROL_PREFIX}`));

type Parsed<T> = { ok: true; value: T } | { ok: false; answer: ControlAnswer };

function parseInput<S extends z.ZodType>(schema: S, bodyText: string): Parsed<z.output<S>> {
  let raw: unknown;
  try {
    raw = parseVendorJson(bodyText === '' ? '{}' : bodyText);
  } catch {
    return { ok: false, answer: { status: 400, body: { error: 'body is not valid JSON' } } };
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`);
    return { ok: false, answer: { status: 400, body: { error: problems[0] ?? 'invalid body', problems } } };
  }
  return { ok: true, value: r.data };
}

function withInput<S extends z.ZodType>(schema: S, bodyText: string, then: (value: z.output<S>) => ControlAnswer): ControlAnswer {
  const parsed = parseInput(schema, bodyText);
  return parsed.ok ? then(parsed.value) : parsed.answer;
}

/** Serialises a control answer body with uint64s as strings. */
export function controlJson(body: unknown): string {
  return JSON.stringify(toJsonSafe(body));
}
