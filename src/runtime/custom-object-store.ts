// The writes a controller makes to its custom resources, for any resource given by group,
// version and plural: a read from the API server, a merge patch of /status and a merge patch of
// metadata (finalizers, annotations), each guarded by the resourceVersion it was computed from.
// The one module that turns those writes into API calls; StatusWriter builds on it. They are the
// reconciler's hot path, so they go to the shared pool as plain JSON requests: the generated
// client's serializer, middleware chain and response copies cost CPU on every write for nothing
// these untyped objects need.
import { KubeHttpError } from './kube-client.js';
import type { KubeClients, KubeRequest } from './kube-clients.js';
import { slimObject } from './slim-object.js';
import type { StatusObject, StatusTarget } from './status-writer.js';

export interface CustomResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export interface MetadataPatch {
  readonly finalizers?: readonly string[];
  /** null removes an annotation. */
  readonly annotations?: Readonly<Record<string, string | null>>;
}

export interface ObjectStore<T> extends StatusTarget<T> {
  /** A merge patch of metadata guarded by resourceVersion (a merge patch replaces lists whole). */
  patchMetadata(key: string, resourceVersion: string, patch: MetadataPatch, signal: AbortSignal): Promise<T>;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) throw new Error(`not a namespace/name key: ${key}`);
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** What the store needs of KubeClients (tests pass a fake). */
export type KubeRequester = Pick<KubeClients, 'request'>;

function asObject<T>(body: unknown, what: string): T {
  if (typeof body !== 'object' || body === null) throw new Error(`${what}: the API server answered with no object`);
  const metadata = (body as { metadata?: unknown }).metadata;
  if (typeof metadata !== 'object' || metadata === null) throw new Error(`${what}: the object has no metadata`);
  // Writers keep what they wrote until the cache catches up: without managedFields (most of the
  // object, and unused here).
  return slimObject(body as T & { metadata: Record<string, unknown> });
}

/**
 * `fieldManager` shows in managedFields, so `kubectl get --show-managed-fields` tells the
 * writers apart (the reconciler and the callback writer use different ones).
 */
export function customObjectStore<T extends StatusObject>(kube: KubeRequester, resource: CustomResource, fieldManager: string): ObjectStore<T> {
  const { group, version, plural } = resource;
  const pathOf = (key: string, subresource = ''): string => {
    const { namespace, name } = splitKey(key);
    return `/apis/${group}/${version}/namespaces/${encodeURIComponent(namespace)}/${plural}/${encodeURIComponent(name)}${subresource}`;
  };
  const call = async (req: KubeRequest, what: string): Promise<T> => {
    const res = await kube.request(req);
    if (res.status < 200 || res.status >= 300) throw KubeHttpError.fromBody(res.status, res.text, what);
    return asObject<T>(JSON.parse(res.text) as unknown, what);
  };
  const mergePatch = (path: string, body: unknown, signal: AbortSignal, what: string): Promise<T> =>
    call(
      {
        method: 'PATCH',
        path: `${path}?fieldManager=${encodeURIComponent(fieldManager)}`,
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify(body),
        signal,
      },
      what,
    );
  return {
    async get(key, signal) {
      try {
        return await call({ method: 'GET', path: pathOf(key), signal }, `get ${key}`);
      } catch (error) {
        if (error instanceof KubeHttpError && error.statusCode === 404) return undefined;
        throw error;
      }
    },
    patchStatus(key, resourceVersion, status, signal) {
      // metadata.resourceVersion in a merge patch makes the API server refuse it with 409 when the
      // object moved on since the version the patch was computed from.
      return mergePatch(pathOf(key, '/status'), { metadata: { resourceVersion }, status }, signal, `patch status of ${key}`);
    },
    patchMetadata(key, resourceVersion, patch, signal) {
      const metadata: Record<string, unknown> = { resourceVersion };
      if (patch.finalizers !== undefined) metadata['finalizers'] = [...patch.finalizers];
      if (patch.annotations !== undefined) metadata['annotations'] = { ...patch.annotations };
      return mergePatch(pathOf(key), { metadata }, signal, `patch metadata of ${key}`);
    },
  };
}
