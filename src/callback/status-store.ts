// The two Kubernetes calls the callback writer makes, behind an interface so tests can count and
// script them. The real one uses client-node 2.0.1's CustomObjectsApi on the /status subresource.
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/v1alpha1/constants.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { httpStatusOf, requestOptions } from '../runtime/kube-client.js';
import { slimObject } from '../runtime/slim-object.js';
import type { StatusPatch } from './status-plan.js';

/** Shown in managedFields, so `kubectl get -o yaml --show-managed-fields` tells the writers apart. */
export const FIELD_MANAGER = 'rtmp-push-operator-callback';

export interface StatusStore {
  /** The current object from the API server (not a cache); undefined when it is gone. */
  get(key: string, signal: AbortSignal): Promise<UnvalidatedRtmpPushTask | undefined>;
  /**
   * A JSON merge patch of /status guarded by `resourceVersion`: rejects with an error whose HTTP
   * status (httpStatusOf) is 409 when the object changed meanwhile, 404 when it is gone.
   */
  patchStatus(key: string, resourceVersion: string, status: StatusPatch, signal: AbortSignal): Promise<UnvalidatedRtmpPushTask>;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) throw new Error(`not a namespace/name key: ${key}`);
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

function asTask(body: unknown, what: string): UnvalidatedRtmpPushTask {
  if (typeof body !== 'object' || body === null) throw new Error(`${what}: the API server answered with no object`);
  const metadata = (body as { metadata?: unknown }).metadata;
  if (typeof metadata !== 'object' || metadata === null) throw new Error(`${what}: the object has no metadata`);
  // The writer memoizes what it wrote: without managedFields (most of the object, unused here).
  return slimObject(body as UnvalidatedRtmpPushTask);
}

export interface CustomResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export const rtmpPushTaskResource: CustomResource = { group: GROUP, version: VERSION, plural: PLURAL };

/** `resource` is only for tests that use a CRD of their own; the operator uses the default. */
export function kubeStatusStore(api: CustomObjectsApi, resource: CustomResource = rtmpPushTaskResource): StatusStore {
  const { group, version, plural } = resource;
  return {
    async get(key, signal) {
      const { namespace, name } = splitKey(key);
      try {
        const body: unknown = await api.getNamespacedCustomObjectStatus(
          { group, version, plural, namespace, name },
          requestOptions(signal),
        );
        return asTask(body, `get ${key}`);
      } catch (error) {
        if (httpStatusOf(error) === 404) return undefined;
        throw error;
      }
    },
    async patchStatus(key, resourceVersion, status, signal) {
      const { namespace, name } = splitKey(key);
      // metadata.resourceVersion in a merge patch makes the API server refuse it with 409 if the
      // object moved on: the patch was computed from that version's destinations and conditions.
      const body = { metadata: { resourceVersion }, status };
      const result: unknown = await api.patchNamespacedCustomObjectStatus(
        { group, version, plural, namespace, name, body, fieldManager: FIELD_MANAGER },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch, requestOptions(signal)),
      );
      return asTask(result, `patch status of ${key}`);
    },
  };
}
