// The RtmpPushTask object as the operator handles it. Objects from the API server are not trusted
// to be valid (a CRD schema does not carry the cross-field rules, and old objects may predate a
// rule): they arrive as UnvalidatedRtmpPushTask and become RtmpPushTask through validateSpec.
import type { API_VERSION, KIND } from './constants.js';
import type { RtmpPushTaskSpec } from './spec.js';
import type { RtmpPushTaskStatus } from './status.js';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RtmpPushTask {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: RtmpPushTaskSpec;
  status?: RtmpPushTaskStatus;
}

export interface UnvalidatedRtmpPushTask {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
}
