import { describe, expect, it } from 'vitest';
import { specFromWireRequest, specPathPrefixFor } from '../../../test/fixtures/manifests.js';
import { badStartRequestCases, brokenRequest, cloneVendorSample, vendorSampleWarningPath, type LooseObject } from '../../../test/fixtures/vendor-rules.js';
import { validateSpec } from './validate-spec.js';

const sampleSpec = (): LooseObject => specFromWireRequest(cloneVendorSample());
const sourceSpec = (): LooseObject => ({ appid: '1470236061', roomid: '123', streamtype: 2, uid: '111', rtmpurls: ['rtmp://push.example.com/live/u'] });

describe('validateSpec', () => {
  it("accepts the vendor's sample as a spec, with the gop warning, and applies the defaults", () => {
    const r = validateSpec(sampleSpec());
    expect(r).toMatchObject({ ok: true, warnings: [{ path: `spec.${vendorSampleWarningPath}` }] });
    if (!r.ok) return;
    expect(r.spec.suspend).toBe(false);
    expect(r.spec.deletionPolicy).toBe('Delete');
    expect(r.warnings).toHaveLength(1);
  });

  const specRejects = badStartRequestCases.filter((c) => c.specAllows === undefined);
  const specAllows = badStartRequestCases.filter((c) => c.specAllows !== undefined);

  it.each(specAllows)('accepts the spec form of "$reason": $specAllows', (c) => {
    const r = validateSpec(specFromWireRequest(brokenRequest(c)));
    expect(r.ok ? [] : r.problems).toEqual([]);
  });

  it.each(specRejects)('rejects the spec form of: $reason', (c) => {
    const r = validateSpec(specFromWireRequest(brokenRequest(c)));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const prefix = specPathPrefixFor(c.path);
    expect(r.problems.length).toBeGreaterThan(0);
    for (const p of r.problems) expect(p.path.startsWith(prefix), `${p.path} should be under ${prefix}`).toBe(true);
  });

  it.each([
    { reason: 'a comma inside an address', change: { rtmpurls: ['rtmp://a.example.com/live/x,rtmp://b.example.com/live/y'] }, path: 'spec.rtmpurls[0]', rule: /comma/ },
    { reason: 'a repeated address', change: { rtmpurls: ['rtmp://a/x', 'rtmp://a/x'] }, path: 'spec.rtmpurls[1]', rule: /repeats rtmpurls\[0\]/ },
    { reason: 'six addresses', change: { rtmpurls: ['1', '2', '3', '4', '5', '6'].map((i) => `rtmp://a/${i}`) }, path: 'spec.rtmpurls', rule: /at most 5/ },
    { reason: 'no addresses', change: { rtmpurls: [] }, path: 'spec.rtmpurls', rule: /at least 1/ },
    { reason: 'the vendor form rtmpurl', change: { rtmpurl: 'rtmp://a/x' }, path: 'spec.rtmpurl', rule: /unknown field/ },
    { reason: 'appid as a YAML number', change: { appid: 1470236061 }, path: 'spec.appid', rule: /quote it in YAML/ },
    { reason: 'appid with a leading zero', change: { appid: '01470236061' }, path: 'spec.appid', rule: /decimal digits/ },
    { reason: 'appid above the uint64 maximum', change: { appid: '18446744073709551616' }, path: 'spec.appid', rule: /at most 18446744073709551615/ },
    { reason: 'uid on a mixed push', change: { uid: '111' }, path: 'spec.uid', rule: /only for source stream pushing/ },
    { reason: 'suspend as a string', change: { suspend: 'yes' }, path: 'spec.suspend', rule: /true or false/ },
    { reason: 'an unknown deletionPolicy', change: { deletionPolicy: 'Retain' }, path: 'spec.deletionPolicy', rule: /Delete or Orphan \(got "Retain"\)/ },
    { reason: 'a Secret name with capitals', change: { credentialsSecretRef: { name: 'Jocloud' } }, path: 'spec.credentialsSecretRef.name', rule: /object name/ },
    { reason: 'a Secret ref with a namespace', change: { credentialsSecretRef: { name: 'jocloud', namespace: 'x' } }, path: 'spec.credentialsSecretRef.namespace', rule: /unknown field/ },
  ])('rejects $reason', ({ change, path, rule }) => {
    const r = validateSpec({ ...sampleSpec(), ...change });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual([path]);
    expect(r.problems[0]!.rule).toMatch(rule);
  });

  it.each([
    { reason: 'taskid on a source push', change: { taskid: 't' }, path: 'spec.taskid' },
    { reason: 'mixconfig on a source push', change: { mixconfig: cloneVendorSample().mixconfig }, path: 'spec.mixconfig' },
  ])('rejects $reason', ({ change, path }) => {
    const r = validateSpec({ ...sourceSpec(), ...change });
    expect(r.ok ? [] : r.problems.map((p) => p.path)).toEqual([path]);
  });

  it.each([
    { reason: 'a source push', spec: sourceSpec() },
    { reason: 'a mixed push without taskid (derived)', spec: { ...sampleSpec(), taskid: undefined } },
    { reason: 'Orphan and suspended', spec: { ...sourceSpec(), deletionPolicy: 'Orphan', suspend: true } },
    { reason: 'a credentials Secret', spec: { ...sourceSpec(), credentialsSecretRef: { name: 'jocloud-credentials' } } },
    { reason: 'the largest appid', spec: { ...sourceSpec(), appid: '18446744073709551615' } },
  ])('accepts $reason', ({ spec }) => {
    const r = validateSpec(spec);
    expect(r.ok ? [] : r.problems).toEqual([]);
  });

  describe('appid defaulting', () => {
    const noAppid = (): LooseObject => {
      const { appid: _omit, ...rest } = sourceSpec();
      return rest;
    };
    it('needs an appid when the operator has no default', () => {
      const r = validateSpec(noAppid());
      expect(r.ok ? [] : r.problems).toEqual([{ path: 'spec.appid', rule: expect.stringMatching(/--default-appid/) as unknown }]);
    });
    it("uses the operator's default", () => {
      expect(validateSpec(noAppid(), { defaultAppid: '1470236061' }).ok).toBe(true);
    });
    it('refuses a default that is not a uint64', () => {
      const r = validateSpec(noAppid(), { defaultAppid: 'abc' });
      expect(r.ok ? [] : r.problems.map((p) => p.path)).toEqual(['spec.appid']);
    });
    it("prefers the spec's own appid and ignores a broken default", () => {
      expect(validateSpec(sourceSpec(), { defaultAppid: 'abc' }).ok).toBe(true);
    });
  });

  it.each([{ spec: undefined }, { spec: null }])('reports a missing spec ($spec)', ({ spec }) => {
    const r = validateSpec(spec);
    expect(r.ok ? [] : r.problems).toEqual([{ path: 'spec', rule: 'is required' }]);
  });

  it('warns with spec paths', () => {
    const spec = sampleSpec();
    const mix = spec.mixconfig as { templateid?: number; input: LooseObject[] };
    mix.templateid = 1;
    mix.input[1]!.roomid = '456';
    const r = validateSpec(spec);
    expect(r.warnings.map((w) => w.path)).toEqual(['spec.mixconfig.output.videogop', 'spec.mixconfig.input[1].roomid']);
  });
});
