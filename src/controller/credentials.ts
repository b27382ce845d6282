// Vendor credentials come from a Secret (keys restfulId, restfulSecret): the task's own
// credentialsSecretRef (in the task's namespace) or the operator-wide default. Secrets are read
// from the watch cache, never fetched per reconcile, and a change to one re-queues the tasks
// that use it (secret-users.ts keeps that index).
import type { V1Secret } from '@kubernetes/client-node';
import type { CredentialsCheck } from './decide.js';
import type { VendorCredentials } from './external.js';

export interface SecretRef {
  readonly namespace: string;
  readonly name: string;
}

export type SecretLookup = (namespace: string, name: string) => V1Secret | undefined;

export type ResolvedCredentials =
  | { readonly ok: true; readonly credentials: VendorCredentials; readonly ref: SecretRef }
  | { readonly ok: false; readonly reason: string; readonly message: string; readonly ref: SecretRef | undefined };

/** Parses `NAMESPACE/NAME` as given to --default-credentials-secret. */
export function parseSecretRef(raw: string): SecretRef | undefined {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(raw);
  if (m === null || m[1] === undefined || m[3] === undefined) return undefined;
  return { namespace: m[1], name: m[3] };
}

export function secretRefFor(taskNamespace: string, specRefName: string | undefined, defaultRef: SecretRef | undefined): SecretRef | undefined {
  if (specRefName !== undefined) return { namespace: taskNamespace, name: specRefName };
  return defaultRef;
}

function decodeKey(secret: V1Secret, key: string): string | undefined {
  const b64 = secret.data?.[key];
  if (b64 !== undefined) return Buffer.from(b64, 'base64').toString('utf8').trim();
  const plain = secret.stringData?.[key];
  return plain?.trim();
}

export function resolveCredentials(ref: SecretRef | undefined, lookup: SecretLookup): ResolvedCredentials {
  if (ref === undefined) {
    return {
      ok: false,
      reason: 'NoCredentials',
      message: 'no spec.credentialsSecretRef and the operator has no --default-credentials-secret',
      ref,
    };
  }
  const where = `Secret ${ref.namespace}/${ref.name}`;
  const secret = lookup(ref.namespace, ref.name);
  if (secret === undefined) return { ok: false, reason: 'SecretNotFound', message: `${where} not found`, ref };
  const restfulId = decodeKey(secret, 'restfulId');
  const restfulSecret = decodeKey(secret, 'restfulSecret');
  const missing = [restfulId === undefined || restfulId === '' ? 'restfulId' : undefined, restfulSecret === undefined || restfulSecret === '' ? 'restfulSecret' : undefined].filter(
    (k): k is string => k !== undefined,
  );
  if (missing.length > 0 || restfulId === undefined || restfulSecret === undefined) {
    return { ok: false, reason: 'SecretInvalid', message: `${where} has no ${missing.join(' or ')} key`, ref };
  }
  return { ok: true, credentials: { restfulId, restfulSecret }, ref };
}

export function credentialsCheck(r: ResolvedCredentials): CredentialsCheck {
  return r.ok ? { ok: true } : { ok: false, reason: r.reason, message: r.message };
}

/** Cache key under which a secret's users are indexed. */
export function secretKey(ref: SecretRef): string {
  return `${ref.namespace}/${ref.name}`;
}
