// The writes a controller makes to its custom resources, for any resource given by group,
// version and plural: a read from the API server, a merge patch of /status and a merge patch of
// metadata (finalizers, annotations), each guarded by the resourceVersion it was computed from.
// The one module that turns those writes into API calls; StatusWriter builds on it.
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import { httpStatusOf, requestOptions } from './kube-client.js';
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
export function customObjectStore<T extends StatusObject>(api: CustomObjectsApi, resource: CustomResource, fieldManager: string): ObjectStore<T> {
  const { group, version, plural } = resource;
  const merge = (signal: AbortSignal) => setHeaderOptions('Content-Type', PatchStrategy.MergePatch, requestOptions(signal));
  return {
    async get(key, signal) {
      const { namespace, name } = splitKey(key);
      try {
        return asObject<T>(await api.getNamespacedCustomObject({ group, version, plural, namespace, name }, requestOptions(signal)), `get ${key}`);
      } catch (error) {
        if (httpStatusOf(error) === 404) return undefined;
        throw error;
      }
    },
    async patchStatus(key, resourceVersion, status, signal) {
      const { namespace, name } = splitKey(key);
      // metadata.resourceVersion in a merge patch makes the API server refuse it with 409 when the
      // object moved on since the version the patch was computed from.
      const body = { metadata: { resourceVersion }, status };
      return asObject<T>(
        await api.patchNamespacedCustomObjectStatus({ group, version, plural, namespace, name, body, fieldManager }, merge(signal)),
        `patch status of ${key}`,
      );
    },
    async patchMetadata(key, resourceVersion, patch, signal) {
      const { namespace, name } = splitKey(key);
      const metadata: Record<string, unknown> = { resourceVersion };
      if (patch.finalizers !== undefined) metadata['finalizers'] = [...patch.finalizers];
      if (patch.annotations !== undefined) metadata['annotations'] = { ...patch.annotations };
      return asObject<T>(
        await api.patchNamespacedCustomObject({ group, version, plural, namespace, name, body: { metadata }, fieldManager }, merge(signal)),
        `patch metadata of ${key}`,
      );
    },
  };
}
