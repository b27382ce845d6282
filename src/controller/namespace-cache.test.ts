// What the namespace cache keeps of a Namespace (the watch itself: test/integration/tenancy-watches.test.ts).
import { describe, expect, it } from 'vitest';
import { slimNamespace } from './namespace-cache.js';

describe('slimNamespace', () => {
  it("keeps name, resourceVersion, labels and the operator's own annotations", () => {
    const raw = {
      metadata: {
        name: 'team-a',
        resourceVersion: '7',
        uid: 'u',
        labels: { 'kubernetes.io/metadata.name': 'team-a', tier: 'gold' },
        annotations: { 'rtmp.jocloud.com/allowed-appids': '1,2', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'rtmp.jocloud.com.evil/x': 'y' },
        managedFields: [{}],
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
    expect(slimNamespace(raw)).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'team-a',
        resourceVersion: '7',
        labels: { 'kubernetes.io/metadata.name': 'team-a', tier: 'gold' },
        annotations: { 'rtmp.jocloud.com/allowed-appids': '1,2' },
      },
    });
  });

  it('gives a namespace without labels or annotations empty ones (known, not unknown)', () => {
    expect(slimNamespace({ metadata: { name: 'bare' } }).metadata).toEqual({ name: 'bare', labels: {}, annotations: {} });
  });

  it('refuses a malformed object', () => {
    expect(() => slimNamespace({ metadata: { labels: {} } })).toThrow();
  });
});
