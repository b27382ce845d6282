import { describe, expect, it } from 'vitest';
import { validateSpec } from '../api/v1alpha1/validate-spec.js';
import { secretRefFor } from './credentials.js';
import { parseLabelSelector } from './label-selector.js';
import { ALLOWED_APPIDS_ANNOTATION, checkTenancy, parseAllowedAppids, type TenancyInput, type TenancyPolicy } from './tenancy.js';

const base: TenancyInput = {
  namespace: 'team-a',
  namespaceLabels: {},
  namespaceAnnotations: {},
  appid: '1470236061',
  usesDefaultCredentials: true,
};
const open: TenancyPolicy = {};
const trustedOnly: TenancyPolicy = { defaultCredentialsNamespaces: parseLabelSelector('tenancy.example.com/trusted=true') };
const listed: TenancyPolicy = { defaultCredentialsNamespaces: parseLabelSelector('kubernetes.io/metadata.name in (team-a, team-b)') };
const appids = (value: string) => ({ [ALLOWED_APPIDS_ANNOTATION]: value });

describe('checkTenancy', () => {
  it.each<[string, Partial<TenancyInput>, TenancyPolicy, 'ok' | 'NotPermitted' | 'NamespaceUnknown']>([
    ['no selector, no annotation: a single-tenant install keeps working', {}, open, 'ok'],
    ['an empty selector selects every namespace', {}, { defaultCredentialsNamespaces: parseLabelSelector('') }, 'ok'],
    ['default credentials in a namespace the selector matches', { namespaceLabels: { 'tenancy.example.com/trusted': 'true' } }, trustedOnly, 'ok'],
    ['default credentials in a namespace the selector does not match', { namespaceLabels: { 'tenancy.example.com/trusted': 'no' } }, trustedOnly, 'NotPermitted'],
    ['default credentials in an unlabelled namespace', {}, trustedOnly, 'NotPermitted'],
    ['own credentials in a namespace the selector does not match', { usesDefaultCredentials: false }, trustedOnly, 'ok'],
    ['a namespace list: listed (metadata.name label supplied even on clusters < 1.21)', {}, listed, 'ok'],
    ['a namespace list: not listed', { namespace: 'team-c' }, listed, 'NotPermitted'],
    ['a forged metadata.name label cannot beat the real name', { namespace: 'team-c', namespaceLabels: { 'kubernetes.io/metadata.name': 'team-a' } }, listed, 'NotPermitted'],
    ['an allowed appid', { namespaceAnnotations: appids('1, 1470236061') }, open, 'ok'],
    ['an appid not allowed, default credentials', { namespaceAnnotations: appids('1,2') }, open, 'NotPermitted'],
    ['an appid not allowed, own credentials', { namespaceAnnotations: appids('1,2'), usesDefaultCredentials: false }, open, 'NotPermitted'],
    ['an empty annotation allows no appid', { namespaceAnnotations: appids('') }, open, 'NotPermitted'],
    ['an unreadable annotation allows no appid', { namespaceAnnotations: appids('1470236061,abc') }, open, 'NotPermitted'],
    ['other annotations change nothing', { namespaceAnnotations: { 'example.com/allowed-appids': '1' } }, open, 'ok'],
    ['the appid rule holds even where the selector allows the default credentials', { namespaceAnnotations: appids('1') }, listed, 'NotPermitted'],
    ['namespace not in the cache yet', { namespaceLabels: undefined, namespaceAnnotations: undefined }, open, 'NamespaceUnknown'],
    ['namespace half known', { namespaceAnnotations: undefined }, open, 'NamespaceUnknown'],
  ])('%s', (_name, change, policy, expected) => {
    const verdict = checkTenancy({ ...base, ...change }, policy);
    expect(verdict.ok ? 'ok' : verdict.reason).toBe(expected);
  });

  it('the selector only concerns the default credentials: the appid rule applies to own credentials too', () => {
    const verdict = checkTenancy({ ...base, usesDefaultCredentials: false, namespaceAnnotations: appids('7') }, trustedOnly);
    expect(verdict).toMatchObject({ ok: false, reason: 'NotPermitted' });
  });

  it.each([
    [
      'selector',
      { namespace: 'team-c' },
      listed,
      [
        'namespace "team-c"',
        "default credentials",
        '--default-credentials-namespace-selector "kubernetes.io/metadata.name in (team-a, team-b)"',
        'spec.credentialsSecretRef',
        'label the namespace',
      ],
    ],
    ['appids', { namespaceAnnotations: appids('1,2') }, open, ['namespace "team-a"', 'appid 1, 2 only', ALLOWED_APPIDS_ANNOTATION, 'not appid 1470236061', 'spec.appid']],
    ['empty annotation', { namespaceAnnotations: appids(' ') }, open, ['no appid (the annotation is empty)']],
    ['unreadable annotation', { namespaceAnnotations: appids('12x') }, open, ['"12x" is not an appid', 'cluster admin']],
  ])('says which namespace, which rule and how to fix it (%s)', (_name, change, policy, parts) => {
    const verdict = checkTenancy({ ...base, ...change }, policy);
    if (verdict.ok) return expect.fail('expected a refusal');
    for (const part of parts) expect(verdict.message).toContain(part);
  });
});

describe('parseAllowedAppids', () => {
  it.each([
    [undefined, { ok: true, appids: undefined }],
    ['', { ok: true, appids: new Set() }],
    [' 1 , 2,,3 ', { ok: true, appids: new Set(['1', '2', '3']) }],
    ['18446744073709551615', { ok: true, appids: new Set(['18446744073709551615']) }],
    ['18446744073709551616', { ok: false }],
    ['01', { ok: false }],
    ['-1', { ok: false }],
    ['1 2', { ok: false }],
  ])('%j', (value, expected) => {
    expect(parseAllowedAppids(value)).toMatchObject(expected);
  });
});

describe("credentialsSecretRef stays in the task's own namespace", () => {
  const spec = (ref: unknown) => ({ roomid: 'r', streamtype: 2, uid: 'u', appid: '1', rtmpurls: ['rtmp://a.example.com/live/1'], credentialsSecretRef: ref });

  it.each([
    ['a namespace field', { name: 'jc', namespace: 'operators' }],
    ['a NAMESPACE/NAME name', { name: 'operators/jc' }],
  ])('a spec cannot point elsewhere with %s', (_what, ref) => {
    expect(validateSpec(spec(ref)).ok).toBe(false);
  });

  it("resolves the name in the task's namespace, whatever the default Secret's namespace", () => {
    expect(validateSpec(spec({ name: 'jc' })).ok).toBe(true);
    expect(secretRefFor('team-a', 'jc', { namespace: 'operators', name: 'default' })).toEqual({ namespace: 'team-a', name: 'jc' });
    expect(secretRefFor('team-a', undefined, { namespace: 'operators', name: 'default' })).toEqual({ namespace: 'operators', name: 'default' });
  });
});
