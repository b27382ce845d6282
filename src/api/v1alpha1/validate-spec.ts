// The one check of a spec, used by the operator before any vendor call and by `validate` offline.
// Structural rules (also in the CRD) and cross-field rules come from the same zod schema, so a
// spec that passes here is one the vendor rules accept too.
import { formatPath, mixConfigWarnings, parseWithRules, templateRoomWarnings, type Problem } from '../../jocloud/wire.js';
import { appidStringSchema, rtmpPushTaskSpecSchema, type RtmpPushTaskSpec } from './spec.js';

export interface SpecContext {
  /** The operator's --default-appid, used when spec.appid is absent. */
  readonly defaultAppid?: string | undefined;
}

export type SpecCheck =
  | { readonly ok: true; readonly spec: RtmpPushTaskSpec; readonly warnings: Problem[] }
  | { readonly ok: false; readonly problems: Problem[]; readonly warnings: Problem[] };

const SPEC = 'spec';

export function validateSpec(spec: unknown, ctx: SpecContext = {}): SpecCheck {
  if (spec === undefined || spec === null) return { ok: false, problems: [{ path: SPEC, rule: 'is required' }], warnings: [] };
  const r = parseWithRules(rtmpPushTaskSpecSchema, spec, SPEC);
  if (!r.ok) return { ok: false, problems: r.problems, warnings: [] };

  const problems: Problem[] = [];
  if (r.value.appid === undefined) {
    if (ctx.defaultAppid === undefined) {
      problems.push({ path: 'spec.appid', rule: 'is required: no default appid is configured (the operator flag --default-appid)' });
    } else if (!appidStringSchema.safeParse(ctx.defaultAppid).success) {
      problems.push({ path: 'spec.appid', rule: `is absent and the default appid ${JSON.stringify(ctx.defaultAppid)} is not a uint64` });
    }
  }
  const warnings = specWarnings(r.value);
  return problems.length > 0 ? { ok: false, problems, warnings } : { ok: true, spec: r.value, warnings };
}

function specWarnings(spec: RtmpPushTaskSpec): Problem[] {
  if (spec.mixconfig === undefined) return [];
  const inMix = (p: Problem): Problem => ({ path: `${formatPath(['mixconfig'], SPEC)}.${p.path}`, rule: p.rule });
  return [...mixConfigWarnings(spec.mixconfig), ...templateRoomWarnings(spec.mixconfig, spec.roomid)].map(inMix);
}
