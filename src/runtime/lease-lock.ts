// The storage side of leader election: one coordination.k8s.io/v1 Lease, read and written with
// optimistic concurrency (every update carries the resourceVersion it was based on, so two
// candidates racing for an expired lease cannot both win: one gets 409 Conflict).
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease, type V1LeaseSpec } from '@kubernetes/client-node';
import { httpStatusOf, requestOptions } from './kube-client.js';
import { KubeClients } from './kube-clients.js';

export interface LeaseRecord {
  /** '' when nobody holds the lease (after a release). */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: Date | undefined;
  readonly renewTime: Date | undefined;
  readonly leaseTransitions: number;
}

export interface ObservedLease {
  readonly record: LeaseRecord;
  readonly resourceVersion: string;
}

/** What the elector needs from storage; tests substitute an in-memory one. */
export interface LeaseLock {
  /** Describes the lock in logs, e.g. `kube-system/rtmp-push-operator`. */
  readonly description: string;
  /** The current lease, or undefined if it does not exist. */
  get(signal: AbortSignal): Promise<ObservedLease | undefined>;
  /** Creates the lease; rejects (409) if it already exists. Resolves to the new resourceVersion. */
  create(record: LeaseRecord, signal: AbortSignal): Promise<string>;
  /** Replaces the lease if it is still at `resourceVersion`; rejects (409) otherwise. */
  update(record: LeaseRecord, resourceVersion: string, signal: AbortSignal): Promise<string>;
}

export class KubeLeaseLock implements LeaseLock {
  readonly description: string;
  private readonly api: CoordinationV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.api = KubeClients.for(kubeConfig).makeApiClient(CoordinationV1Api);
    this.description = `${namespace}/${name}`;
  }

  async get(signal: AbortSignal): Promise<ObservedLease | undefined> {
    try {
      const lease = await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }, requestOptions(signal));
      return { record: fromSpec(lease.spec), resourceVersion: lease.metadata?.resourceVersion ?? '' };
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async create(record: LeaseRecord, signal: AbortSignal): Promise<string> {
    const lease = await this.api.createNamespacedLease(
      { namespace: this.namespace, body: this.body(record, undefined) },
      requestOptions(signal),
    );
    return lease.metadata?.resourceVersion ?? '';
  }

  async update(record: LeaseRecord, resourceVersion: string, signal: AbortSignal): Promise<string> {
    const lease = await this.api.replaceNamespacedLease(
      { name: this.name, namespace: this.namespace, body: this.body(record, resourceVersion) },
      requestOptions(signal),
    );
    return lease.metadata?.resourceVersion ?? '';
  }

  private body(record: LeaseRecord, resourceVersion: string | undefined): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        ...(resourceVersion !== undefined ? { resourceVersion } : {}),
      },
      spec: toSpec(record),
    };
  }
}

function toSpec(record: LeaseRecord): V1LeaseSpec {
  // MicroTime must be written with six fractional digits; V1MicroTime serialises that way.
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    leaseTransitions: record.leaseTransitions,
    ...(record.acquireTime !== undefined ? { acquireTime: new V1MicroTime(record.acquireTime.getTime()) } : {}),
    ...(record.renewTime !== undefined ? { renewTime: new V1MicroTime(record.renewTime.getTime()) } : {}),
  };
}

function fromSpec(spec: V1LeaseSpec | undefined): LeaseRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: toDate(spec?.acquireTime),
    renewTime: toDate(spec?.renewTime),
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

/** The generated client types MicroTime as a Date but hands over the JSON string as is. */
function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string' && value !== '') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}
