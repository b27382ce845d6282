// startrtmp and stoprtmp bodies: the uint64 appid, the comma-joined address list, the fields each
// stream type needs, and the checks the emulator answers 2101 from.
import { z } from 'zod';
import { intChoice, MAX_RTMP_ADDRESSES, nonEmpty, rtmpAddressSchema, UINT64_MAX } from './fields.js';
import { mixConfigSchema, mixConfigWarnings, templateRoomWarnings } from './mixconfig.js';
import { describeValue, got, parseWithRules, type Problem, type RuleCheck } from './problems.js';

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
