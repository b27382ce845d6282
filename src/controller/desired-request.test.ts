import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { specFromWireRequest } from '../../test/fixtures/manifests.js';
import { cloneVendorSample, vendorSampleStartRequest, vendorSampleStopRequest } from '../../test/fixtures/vendor-rules.js';
import type { RtmpPushTaskSpec } from '../api/v1alpha1/spec.js';
import type { TaskIdentity } from '../api/v1alpha1/status.js';
import { validateSpec } from '../api/v1alpha1/validate-spec.js';
import { checkStartRtmpRequest, checkStopRtmpRequest } from '../jocloud/wire.js';
import {
  canonicalJson,
  derivedTaskid,
  desiredStartRequest,
  identityOf,
  requestHash,
  sameIdentity,
  MAX_DERIVED_TASKID_LENGTH,
  stopRequestFor,
  taskidFor,
  taskidPrefixProblem,
} from './desired-request.js';

function validSpec(raw: unknown, defaultAppid?: string): RtmpPushTaskSpec {
  const r = validateSpec(raw, { defaultAppid });
  if (!r.ok) throw new Error(`test spec invalid: ${JSON.stringify(r.problems)}`);
  return r.spec;
}
const task = (spec: RtmpPushTaskSpec, name = 'lobby', namespace = 'media') => ({ metadata: { name, namespace }, spec });
const sampleTask = () => task(validSpec(specFromWireRequest(cloneVendorSample())));
const sourceSpec = (): RtmpPushTaskSpec =>
  validSpec({ appid: '1470236061', roomid: '123', streamtype: 2, uid: '111', rtmpurls: ['rtmp://a.example.com/live/1', 'rtmps://b.example.com/live/2'] });

describe('desiredStartRequest', () => {
  it("turns the vendor's sample, written as a spec, back into the vendor's sample request", () => {
    expect(desiredStartRequest(sampleTask())).toEqual(vendorSampleStartRequest);
  });

  it('turns the committed sample manifest into the vendor sample (only the CDN address differs)', () => {
    const manifest = parse(readFileSync('config/samples/rtmp.jocloud.com_v1alpha1_rtmppushtask.yaml', 'utf8')) as { metadata: { name: string }; spec: unknown };
    const req = desiredStartRequest({ metadata: { name: manifest.metadata.name }, spec: validSpec(manifest.spec) });
    expect({ ...req, rtmpurl: vendorSampleStartRequest.rtmpurl }).toEqual(vendorSampleStartRequest);
    expect(req.rtmpurl).toBe('rtmp://push.example.com/live/test');
  });

  it('joins the addresses with commas, in order', () => {
    expect(desiredStartRequest(task(sourceSpec())).rtmpurl).toBe('rtmp://a.example.com/live/1,rtmps://b.example.com/live/2');
  });

  it('builds a source push without taskid or mixconfig', () => {
    expect(desiredStartRequest(task(sourceSpec()))).toEqual({
      appid: 1470236061n,
      roomid: '123',
      rtmpurl: 'rtmp://a.example.com/live/1,rtmps://b.example.com/live/2',
      streamtype: 2,
      uid: '111',
    });
  });

  it('does not send operator-only fields (suspend, deletionPolicy, credentialsSecretRef)', () => {
    const spec = validSpec({ ...specFromWireRequest(cloneVendorSample()), suspend: true, deletionPolicy: 'Orphan', credentialsSecretRef: { name: 's' } });
    expect(Object.keys(desiredStartRequest(task(spec))).sort()).toEqual(['appid', 'mixconfig', 'roomid', 'rtmpurl', 'streamtype', 'taskid']);
  });

  it("uses the operator's default appid, keeping every digit", () => {
    const { appid: _omit, ...withoutAppid } = specFromWireRequest(cloneVendorSample());
    const spec = validSpec(withoutAppid, '18446744073709551615');
    expect(desiredStartRequest(task(spec), { defaultAppid: '18446744073709551615' }).appid).toBe(18446744073709551615n);
    expect(() => desiredStartRequest(task(spec))).toThrow(/no appid/);
  });

  it('derives a stable taskid from namespace/name when the spec has none', () => {
    const { taskid: _omit, ...withoutTaskid } = specFromWireRequest(cloneVendorSample());
    const spec = validSpec(withoutTaskid);
    const req = desiredStartRequest(task(spec, 'lobby', 'media'));
    expect(req.taskid).toBe(derivedTaskid('media', 'lobby'));
    expect(req.taskid).toMatch(/^rpt-[0-9a-f]{20}$/);
    expect(desiredStartRequest(task(spec, 'lobby', 'media')).taskid).toBe(req.taskid);
    expect(desiredStartRequest(task(spec, 'lobby', 'other')).taskid).not.toBe(req.taskid);
    expect(taskidFor(task(spec, 'lobby', 'media'))).toBe(req.taskid);
  });

  it.each([
    { a: ['media', 'lobby'], b: ['media', 'lobby2'] },
    { a: ['media', 'lobby'], b: ['media2', 'lobby'] },
    // The separator matters: "a/b-c" must not collide with "a-b/c".
    { a: ['a', 'b-c'], b: ['a-b', 'c'] },
  ])('derives different taskids for $a and $b', ({ a, b }) => {
    expect(derivedTaskid(a[0]!, a[1]!)).not.toBe(derivedTaskid(b[0]!, b[1]!));
  });

  it('keeps a derived taskid pinned (changing it would orphan vendor tasks after an upgrade)', () => {
    // sha256("media/lobby") and sha256("default/x"), first 20 hex digits.
    expect(derivedTaskid('media', 'lobby')).toBe('rpt-5362b86e22e298922a5c');
    expect(derivedTaskid('default', 'x')).toBe('rpt-cf3bd7ff2845028ca9c1');
  });

  it.each([
    { name: 'the vendor sample', spec: () => specFromWireRequest(cloneVendorSample()) },
    { name: 'a source push', spec: () => ({ appid: '1', roomid: 'r', streamtype: 2, uid: 'u', rtmpurls: ['rtmp://a/b'] }) },
  ])('produces a request the vendor rules accept: $name', ({ spec }) => {
    expect(checkStartRtmpRequest(desiredStartRequest(task(validSpec(spec())))).problems).toEqual([]);
  });
});

describe('--taskid-prefix', () => {
  const { taskid: _omit, ...withoutTaskid } = specFromWireRequest(cloneVendorSample());
  const derivedSpec = (): RtmpPushTaskSpec => validSpec(withoutTaskid);

  it('changes no derived taskid when empty, so an upgrade moves no running push', () => {
    expect(derivedTaskid('media', 'lobby', '')).toBe('rpt-5362b86e22e298922a5c');
    expect(desiredStartRequest(task(derivedSpec()), { taskidPrefix: '' }).taskid).toBe('rpt-5362b86e22e298922a5c');
    expect(desiredStartRequest(task(derivedSpec()), { taskidPrefix: undefined }).taskid).toBe('rpt-5362b86e22e298922a5c');
  });

  it('puts the prefix and a dash before the derived taskid', () => {
    expect(derivedTaskid('media', 'lobby', 'eu-1')).toBe('eu-1-rpt-5362b86e22e298922a5c');
    const ctx = { taskidPrefix: 'eu-1' };
    const req = desiredStartRequest(task(derivedSpec()), ctx);
    expect(req.taskid).toBe('eu-1-rpt-5362b86e22e298922a5c');
    expect(taskidFor(task(derivedSpec()), ctx)).toBe(req.taskid);
    expect(checkStartRtmpRequest(req).problems).toEqual([]);
  });

  it('leaves a taskid the spec names alone', () => {
    expect(desiredStartRequest(sampleTask(), { taskidPrefix: 'eu-1' }).taskid).toBe('biz007');
  });

  it.each([
    ['', true],
    ['prod', true],
    ['a', true],
    ['Cluster_2', true],
    ['x'.repeat(MAX_DERIVED_TASKID_LENGTH - 25), true],
    ['x'.repeat(MAX_DERIVED_TASKID_LENGTH - 24), false],
    ['-prod', false],
    ['prod-', false],
    ['_prod', false],
    ['pr od', false],
    ['prod/eu', false],
    ['prod.eu', false],
    ['prödukt', false],
  ])('accepts %j as a prefix: %s', (prefix, ok) => {
    const problem = taskidPrefixProblem(prefix);
    expect(problem === undefined).toBe(ok);
    if (ok) expect(derivedTaskid('some-namespace', 'some-name', prefix).length).toBeLessThanOrEqual(MAX_DERIVED_TASKID_LENGTH);
  });
});

describe('requestHash', () => {
  it('is the same for the same request written with another key order', () => {
    const req = desiredStartRequest(sampleTask());
    const reversed = reverseKeys(req) as typeof req;
    expect(Object.keys(reversed)).toEqual(Object.keys(req).reverse());
    expect(requestHash(reversed)).toBe(requestHash(req));
  });

  it('ignores members that are undefined', () => {
    const req = desiredStartRequest(task(sourceSpec()));
    expect(requestHash({ ...req, taskid: undefined })).toBe(requestHash(req));
  });

  it.each([
    { what: 'an address', change: { rtmpurl: 'rtmp://a.example.com/live/1' } },
    { what: 'the appid by one (beyond 2^53)', change: { appid: 18446744073709551614n } },
    { what: 'the uid', change: { uid: '112' } },
  ])('changes when $what changes', ({ change }) => {
    const req = { ...desiredStartRequest(task(sourceSpec())), appid: 18446744073709551615n };
    expect(requestHash({ ...req, ...change })).not.toBe(requestHash(req));
  });

  it('changes when the input order changes (layers are positional)', () => {
    const req = desiredStartRequest(sampleTask());
    const swapped = structuredClone(req);
    swapped.mixconfig!.input!.reverse();
    expect(requestHash(swapped)).not.toBe(requestHash(req));
  });

  it('is a sha256 hex digest', () => {
    expect(requestHash(desiredStartRequest(sampleTask()))).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('canonicalJson', () => {
  it.each([
    { value: { b: 1, a: [2, { d: 'x', c: null }] }, want: '{"a":[2,{"c":null,"d":"x"}],"b":1}' },
    { value: { appid: 18446744073709551615n }, want: '{"appid":18446744073709551615}' },
    { value: { a: undefined, b: true }, want: '{"b":true}' },
    { value: 'é"', want: '"é\\""' },
  ])('encodes $want', ({ value, want }) => {
    expect(canonicalJson(value)).toBe(want);
  });
  it.each([{ value: Number.NaN }, { value: () => 1 }])('refuses what JSON cannot carry: $value', ({ value }) => {
    expect(() => canonicalJson(value)).toThrow();
  });
});

describe('identities', () => {
  it("stops the vendor sample's task with the vendor's stop sample", () => {
    expect(stopRequestFor(identityOf(vendorSampleStartRequest))).toEqual(vendorSampleStopRequest);
    expect(checkStopRtmpRequest(stopRequestFor(identityOf(vendorSampleStartRequest))).ok).toBe(true);
  });

  it('identifies a mixed push by taskid and a source push by uid, appid as digits', () => {
    expect(identityOf(vendorSampleStartRequest)).toEqual({ appid: '1470236061', roomid: '123', streamtype: 1, taskid: 'biz007' });
    const source = desiredStartRequest(task(sourceSpec()));
    expect(identityOf({ ...source, appid: 18446744073709551615n })).toEqual({ appid: '18446744073709551615', roomid: '123', streamtype: 2, uid: '111' });
  });

  it('round-trips a uint64 appid through the identity and back', () => {
    const id: TaskIdentity = { appid: '18446744073709551615', roomid: 'r', streamtype: 2, uid: 'u' };
    expect(identityOf(stopRequestFor(id))).toEqual(id);
  });

  const mixed: TaskIdentity = { appid: '1470236061', roomid: '123', streamtype: 1, taskid: 'biz007' };
  const source: TaskIdentity = { appid: '1470236061', roomid: '123', streamtype: 2, uid: '111' };
  it.each([
    { reason: 'itself', a: mixed, b: { ...mixed }, same: true },
    { reason: 'a uid on a mixed identity is irrelevant', a: mixed, b: { ...mixed, uid: 'x' }, same: true },
    { reason: 'a taskid on a source identity is irrelevant', a: source, b: { ...source, taskid: 'x' }, same: true },
    { reason: 'another taskid', a: mixed, b: { ...mixed, taskid: 'biz008' }, same: false },
    { reason: 'another room', a: mixed, b: { ...mixed, roomid: '124' }, same: false },
    { reason: 'another appid', a: mixed, b: { ...mixed, appid: '1470236062' }, same: false },
    { reason: 'another stream type', a: mixed, b: { ...source }, same: false },
    { reason: 'another uid', a: source, b: { ...source, uid: '112' }, same: false },
  ])('sameIdentity: $reason → $same', ({ a, b, same }) => {
    expect(sameIdentity(a, b)).toBe(same);
    expect(sameIdentity(b, a)).toBe(same);
  });
});

/** A deep copy with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
  }
  return value;
}
