// What a watch cache need not keep. Each object the apiserver sends carries metadata.managedFields
// (server-side apply bookkeeping, often larger than the spec) and, when it was created with
// `kubectl apply`, a copy of itself in the last-applied-configuration annotation. Nothing the
// operator does reads either, so the informer drops both before caching, as client-go's
// TransformStripManagedFields and controller-runtime's DefaultTransform recipes do. The metadata
// object is rebuilt rather than `delete`d from, which would turn it into a slower, larger
// dictionary-mode object in V8.

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Any Kubernetes object type (client-node's, or a zod-derived one). */
interface WithMetadata {
  metadata?: { managedFields?: unknown; annotations?: Record<string, string> } | undefined;
}

/** `obj` without managedFields and the last-applied annotation (the same object when it has neither). */
export function slimObject<T extends WithMetadata>(obj: T): T {
  const metadata = obj.metadata;
  if (metadata === undefined) return obj;
  const annotations = metadata.annotations;
  const hasLastApplied = annotations !== undefined && LAST_APPLIED_ANNOTATION in annotations;
  if (metadata.managedFields === undefined && !hasLastApplied) return obj;
  const { managedFields: _dropped, annotations: _replaced, ...rest } = metadata;
  const slim: typeof rest & { annotations?: Record<string, string> } = rest;
  if (annotations !== undefined) {
    const { [LAST_APPLIED_ANNOTATION]: _applied, ...kept } = annotations;
    if (Object.keys(kept).length > 0) slim.annotations = kept;
  }
  obj.metadata = slim;
  return obj;
}
