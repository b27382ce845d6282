import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseSecretRef, resolveCredentials, secretRefFor } from './credentials.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const secrets = new Map<string, V1Secret>([
  ['ops/good', { data: { restfulId: b64('id-1'), restfulSecret: b64('s3cr3t\n') } }],
  ['ops/half', { data: { restfulId: b64('id-1') } }],
]);
const lookup = (ns: string, name: string): V1Secret | undefined => secrets.get(`${ns}/${name}`);

describe('credentials', () => {
  it.each<[string, string, { namespace: string; name: string } | undefined]>([
    ['namespace/name', 'ops/jocloud', { namespace: 'ops', name: 'jocloud' }],
    ['no slash', 'jocloud', undefined],
    ['uppercase is not a Kubernetes name', 'Ops/x', undefined],
  ])('parseSecretRef %s', (_reason, raw, expected) => {
    expect(parseSecretRef(raw)).toEqual(expected);
  });

  it('the task-level ref wins over the default and lives in the task namespace', () => {
    expect(secretRefFor('team-a', 'mine', { namespace: 'ops', name: 'default' })).toEqual({ namespace: 'team-a', name: 'mine' });
    expect(secretRefFor('team-a', undefined, { namespace: 'ops', name: 'default' })).toEqual({ namespace: 'ops', name: 'default' });
  });

  it.each<[string, { namespace: string; name: string } | undefined, string]>([
    ['no ref anywhere', undefined, 'NoCredentials'],
    ['secret missing', { namespace: 'ops', name: 'nope' }, 'SecretNotFound'],
    ['key missing', { namespace: 'ops', name: 'half' }, 'SecretInvalid'],
  ])('resolveCredentials fails clearly: %s', (_reason, ref, reason) => {
    const r = resolveCredentials(ref, lookup);
    expect(r.ok ? 'ok' : r.reason).toBe(reason);
  });

  it('decodes and trims the keys (a trailing newline from `echo` is a common mistake)', () => {
    const r = resolveCredentials({ namespace: 'ops', name: 'good' }, lookup);
    expect(r.ok && r.credentials).toEqual({ restfulId: 'id-1', restfulSecret: 's3cr3t' });
  });

  it('never puts a secret value in a message', () => {
    const r = resolveCredentials({ namespace: 'ops', name: 'half' }, lookup);
    expect(JSON.stringify(r)).not.toContain('id-1');
  });
});
