// Which tasks may use what, on a cluster shared by several teams. Anyone allowed to create an
// RtmpPushTask would otherwise drive the operator's default credentials for any appid and room.
// Two rules, both set by cluster admins on objects tenants cannot edit (the operator's flags and
// Namespaces), in the spirit of Crossplane's namespaced ProviderConfig vs ClusterProviderConfig
// and AWS ACK's namespace → account mapping:
//   - the default credentials serve only the namespaces that match a label selector
//     (--default-credentials-namespace-selector; empty = every namespace, so single-tenant
//     installs keep working);
//   - a namespace annotated rtmp.jocloud.com/allowed-appids: "123,456" may push under those appids
//     only, whatever credentials its tasks use; without the annotation any appid is allowed.
// Pure: the reconciler passes what the namespace cache knows and gets a verdict to put in Synced.
// Only for an operator watching every namespace. Under --namespace the release is the boundary
// (its own default credentials and appid), no Namespace is read (that would take a ClusterRole,
// which namespace-confined installs avoid), and the caller does not call this at all.
import { appidStringSchema } from '../api/v1alpha1/spec.js';
import { matchesLabels, type LabelSelector } from './label-selector.js';

export const ALLOWED_APPIDS_ANNOTATION = 'rtmp.jocloud.com/allowed-appids';

/**
 * The label the apiserver puts on every Namespace from Kubernetes 1.21 (value: its name). Added
 * here too when missing, so a selector naming namespaces by list works on older clusters alike.
 */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export const SELECTOR_FLAG = '--default-credentials-namespace-selector';

export interface TenancyPolicy {
  /** Namespaces whose tasks may use the default credentials; undefined (or empty): all. */
  readonly defaultCredentialsNamespaces?: LabelSelector | undefined;
}

export interface TenancyInput {
  readonly namespace: string;
  /** undefined: the namespace is not (yet) in the operator's cache. */
  readonly namespaceLabels: Readonly<Record<string, string>> | undefined;
  readonly namespaceAnnotations: Readonly<Record<string, string>> | undefined;
  /** The appid the task would push under (spec.appid, else the operator's default). */
  readonly appid: string;
  /** True when the task has no spec.credentialsSecretRef and so would use the default Secret. */
  readonly usesDefaultCredentials: boolean;
}

export type TenancyVerdict =
  | { readonly ok: true }
  /**
   * NotPermitted: put Synced=False with this reason and message, make no vendor call.
   * NamespaceUnknown: the namespace's metadata has not reached the cache yet (a task created
   * right after its namespace, the two watches racing); wait for the namespace cache's onChange
   * for this namespace instead of flapping Synced.
   */
  | { readonly ok: false; readonly reason: 'NotPermitted' | 'NamespaceUnknown'; readonly message: string };

export type AllowedAppids = { readonly ok: true; readonly appids: ReadonlySet<string> | undefined } | { readonly ok: false; readonly problem: string };

/**
 * The appids an annotation value allows: undefined (no annotation) allows any. Values are
 * decimal uint64s separated by commas, blanks ignored. Present but empty allows none, and an
 * unreadable value allows none either: the annotation is a restriction, so a typo must not lift it.
 */
export function parseAllowedAppids(value: string | undefined): AllowedAppids {
  if (value === undefined) return { ok: true, appids: undefined };
  const appids = new Set<string>();
  for (const part of value.split(',')) {
    const appid = part.trim();
    if (appid === '') continue;
    if (!appidStringSchema.safeParse(appid).success) return { ok: false, problem: `"${appid}" is not an appid (a uint64 in decimal)` };
    appids.add(appid);
  }
  return { ok: true, appids };
}

export function checkTenancy(input: TenancyInput, policy: TenancyPolicy): TenancyVerdict {
  const ns = `namespace "${input.namespace}"`;
  if (input.namespaceLabels === undefined || input.namespaceAnnotations === undefined) {
    return { ok: false, reason: 'NamespaceUnknown', message: `${ns} is not in the operator's namespace cache yet; waiting for it` };
  }

  const allowed = parseAllowedAppids(input.namespaceAnnotations[ALLOWED_APPIDS_ANNOTATION]);
  if (!allowed.ok) {
    return {
      ok: false,
      reason: 'NotPermitted',
      message:
        `${ns} has an unreadable ${ALLOWED_APPIDS_ANNOTATION} annotation (${allowed.problem}), so no appid is allowed; ` +
        'a cluster admin must set it to decimal appids separated by commas',
    };
  }
  if (allowed.appids !== undefined && !allowed.appids.has(input.appid)) {
    const list = allowed.appids.size === 0 ? 'no appid (the annotation is empty)' : `appid ${[...allowed.appids].join(', ')} only`;
    return {
      ok: false,
      reason: 'NotPermitted',
      message:
        `${ns} may use ${list} (annotation ${ALLOWED_APPIDS_ANNOTATION}), not appid ${input.appid}; ` +
        'set spec.appid to an allowed one, or ask a cluster admin to add it to the annotation',
    };
  }

  const selector = policy.defaultCredentialsNamespaces;
  if (input.usesDefaultCredentials && selector !== undefined) {
    // The real name wins over a label of the same key (only clusters < 1.21 let one be set freely).
    const labels = { ...input.namespaceLabels, [NAMESPACE_NAME_LABEL]: input.namespace };
    if (!matchesLabels(selector, labels)) {
      return {
        ok: false,
        reason: 'NotPermitted',
        message:
          `${ns} may not use the operator's default credentials: its labels do not match ${SELECTOR_FLAG} "${selector.source}"; ` +
          "name a Secret of this namespace in spec.credentialsSecretRef, or ask a cluster admin to label the namespace",
      };
    }
  }
  return { ok: true };
}
