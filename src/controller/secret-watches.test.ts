// What the per-Secret watches keep of a Secret (the watches themselves: test/integration/tenancy-watches.test.ts).
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SecretWatches, slimSecret } from './secret-watches.js';

describe('slimSecret', () => {
  const full = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: 'creds',
      namespace: 'team-a',
      uid: 'u-1',
      resourceVersion: '42',
      labels: { a: 'b' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":true}' },
      managedFields: [{ manager: 'kubectl' }],
      deletionTimestamp: '2026-01-02T03:04:05Z',
      finalizers: ['example.com/keep'],
    },
    data: { restfulId: 'aWQ=', restfulSecret: 'c2VjcmV0', 'tls.key': 'a2V5' },
  };

  it('keeps the credential keys and the metadata that identifies the version and its lifecycle', () => {
    expect(slimSecret(full)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'creds',
        namespace: 'team-a',
        uid: 'u-1',
        resourceVersion: '42',
        deletionTimestamp: new Date('2026-01-02T03:04:05Z'),
        finalizers: ['example.com/keep'],
      },
      data: { restfulId: 'aWQ=', restfulSecret: 'c2VjcmV0' },
    });
  });

  it('copes with a Secret without data or the credential keys', () => {
    expect(slimSecret({ metadata: { name: 'x', namespace: 'y' } }).data).toEqual({});
    expect(slimSecret({ metadata: { name: 'x', namespace: 'y' }, data: null }).data).toEqual({});
    expect(slimSecret({ metadata: { name: 'x', namespace: 'y' }, data: { other: 'eA==' } }).data).toEqual({});
  });

  it.each([[null], [{}], [{ metadata: { name: 'x' } }], [{ metadata: { name: 'x', namespace: 'y' }, data: { restfulId: 1 } }]])(
    'refuses a malformed object (the informer then skips it): %j',
    (raw) => {
      expect(() => slimSecret(raw)).toThrow();
    },
  );
});

describe('SecretWatches.sync', () => {
  // Nothing listens there: the watches retry in the background until stopped; only the bookkeeping is tested.
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });

  it('watches each valid ref once and skips refs that are not valid names', async () => {
    const watches = new SecretWatches({ kubeConfig, logger: pino({ level: 'silent' }) });
    try {
      watches.sync([
        { namespace: 'team-a', name: 'creds' },
        { namespace: 'team-a', name: 'creds' },
        { namespace: 'team-a', name: 'x,metadata.namespace=kube-system' },
        { namespace: 'Team-A', name: 'creds' },
        { namespace: 'team-a/..', name: 'creds' },
        { namespace: 'team-b', name: 'tls.example.com' },
      ]);
      expect(watches.refs()).toEqual([
        { namespace: 'team-a', name: 'creds' },
        { namespace: 'team-b', name: 'tls.example.com' },
      ]);
      expect(watches.hasSynced()).toBe(false);
      expect(watches.hasSyncedRef('team-a', 'creds')).toBe(false);
      watches.sync([]);
      expect(watches.refs()).toEqual([]);
      expect(watches.hasSynced()).toBe(true);
    } finally {
      await watches.stop();
    }
    expect(() => watches.sync([])).toThrow(/after stop/);
  });
});
