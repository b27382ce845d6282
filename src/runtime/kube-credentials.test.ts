import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { readCredentials } from './kube-credentials.js';

function kubeConfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser({ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: false, ...cluster }, { name: 'u', ...user });
  return kc;
}

const pem = (label: string, body: string): string => `-----BEGIN ${label}-----\n${Buffer.from(body).toString('base64')}\n-----END ${label}-----\n`;

describe('readCredentials', () => {
  it('turns a token into a Bearer header, and user/password into Basic', async () => {
    expect((await readCredentials(kubeConfig({ token: 't0k' }))).headers).toEqual({ authorization: 'Bearer t0k' });
    const basic = await readCredentials(kubeConfig({ username: 'ann', password: 'pw' }));
    expect(basic.headers['authorization']).toBe(`Basic ${Buffer.from('ann:pw').toString('base64')}`);
  });

  it('passes impersonation on as a header', async () => {
    const creds = await readCredentials(kubeConfig({ token: 't', impersonateUser: 'bob' }));
    expect(creds.headers).toMatchObject({ authorization: 'Bearer t', 'impersonate-user': 'bob' });
  });

  it('gives the TLS material, and a fingerprint that changes only with it', async () => {
    const ca = Buffer.from(pem('CERTIFICATE', 'ca')).toString('base64');
    const user = (cert: string) => ({ certData: Buffer.from(pem('CERTIFICATE', cert)).toString('base64'), keyData: Buffer.from(pem('PRIVATE KEY', 'k')).toString('base64') });
    const kc = kubeConfig(user('one'), { caData: ca, tlsServerName: 'api.internal' });
    const first = await readCredentials(kc);
    expect(first.tls).toMatchObject({ servername: 'api.internal' });
    expect(String(first.tls.ca)).toContain('BEGIN CERTIFICATE');
    expect(String(first.tls.cert)).toBe(pem('CERTIFICATE', 'one'));
    expect((await readCredentials(kc)).tlsFingerprint).toBe(first.tlsFingerprint);
    const rotated = await readCredentials(kubeConfig(user('two'), { caData: ca, tlsServerName: 'api.internal' }));
    expect(rotated.tlsFingerprint).not.toBe(first.tlsFingerprint);
  });

  it('turns off certificate checks only when the kubeconfig says so', async () => {
    expect((await readCredentials(kubeConfig({ token: 't' }))).tls.rejectUnauthorized).toBeUndefined();
    expect((await readCredentials(kubeConfig({ token: 't' }, { skipTLSVerify: true }))).tls.rejectUnauthorized).toBe(false);
  });
});
