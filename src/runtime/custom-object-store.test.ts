import { describe, expect, it } from 'vitest';
import { customObjectStore, type KubeRequester } from './custom-object-store.js';
import { httpStatusOf } from './kube-client.js';
import type { KubeRequest, KubeResponse } from './kube-clients.js';

const resource = { group: 'rtmp.jocloud.com', version: 'v1alpha1', plural: 'rtmppushtasks' };
const object = { metadata: { name: 't', namespace: 'ns', resourceVersion: '8', managedFields: [{ manager: 'x' }] }, status: { a: 1 } };

function fake(answer: KubeResponse): KubeRequester & { calls: KubeRequest[] } {
  const calls: KubeRequest[] = [];
  return { calls, request: (req) => (calls.push(req), Promise.resolve(answer)) };
}
const ok = (body: unknown): KubeResponse => ({ status: 200, headers: {}, text: JSON.stringify(body) });
const signal = new AbortController().signal;

describe('customObjectStore', () => {
  it('patches /status with a merge patch guarded by resourceVersion, under its field manager, and keeps no managedFields', async () => {
    const kube = fake(ok(object));
    const after = await customObjectStore(kube, resource, 'op').patchStatus('ns/t', '7', { a: 1 }, signal);
    expect(kube.calls[0]).toMatchObject({
      method: 'PATCH',
      path: '/apis/rtmp.jocloud.com/v1alpha1/namespaces/ns/rtmppushtasks/t/status?fieldManager=op',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(JSON.parse(kube.calls[0]?.body ?? '')).toEqual({ metadata: { resourceVersion: '7' }, status: { a: 1 } });
    expect(after.metadata).not.toHaveProperty('managedFields');
  });

  it('patches metadata (finalizers, annotations) on the object itself', async () => {
    const kube = fake(ok(object));
    await customObjectStore(kube, resource, 'op').patchMetadata('ns/t', '7', { finalizers: ['f'], annotations: { k: null } }, signal);
    expect(kube.calls[0]?.path).toBe('/apis/rtmp.jocloud.com/v1alpha1/namespaces/ns/rtmppushtasks/t?fieldManager=op');
    expect(JSON.parse(kube.calls[0]?.body ?? '')).toEqual({ metadata: { resourceVersion: '7', finalizers: ['f'], annotations: { k: null } } });
  });

  it('reads a missing object as undefined and turns a refused write into an error carrying its HTTP status', async () => {
    const status = (code: number): KubeResponse => ({ status: code, headers: {}, text: JSON.stringify({ kind: 'Status', code, message: 'the object has been modified' }) });
    expect(await customObjectStore(fake(status(404)), resource, 'op').get('ns/t', signal)).toBeUndefined();
    const refused = await customObjectStore(fake(status(409)), resource, 'op')
      .patchStatus('ns/t', '7', {}, signal)
      .catch((e: unknown) => e);
    expect(httpStatusOf(refused)).toBe(409);
    expect(String(refused)).toContain('the object has been modified');
  });
});
