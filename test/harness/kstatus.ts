// What Flux (and kpt, and anything else built on kstatus) decides about a custom resource: a port
// of the generic rules of sigs.k8s.io/cli-utils pkg/kstatus/status (checkGenericProperties and
// checkGeneration, then the Ready fallback its README describes under "The `Ready` Condition").
// Built-in kinds have their own rules there; an RtmpPushTask only ever meets these.

export type KstatusStatus = 'InProgress' | 'Failed' | 'Current' | 'Terminating';

export interface KstatusResult {
  readonly status: KstatusStatus;
  readonly message: string;
}

interface Condition {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly reason?: unknown;
  readonly message?: unknown;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function kstatus(obj: unknown): KstatusResult {
  const o = record(obj) ?? {};
  const metadata = record(o.metadata) ?? {};
  const status = record(o.status);

  const deletionTimestamp = metadata.deletionTimestamp;
  if (typeof deletionTimestamp === 'string' && deletionTimestamp !== '') {
    return { status: 'Terminating', message: 'Resource scheduled for deletion' };
  }

  // Only when both are there: a status without observedGeneration skips this check.
  const generation = metadata.generation;
  const observed = status?.observedGeneration;
  if (typeof generation === 'number' && typeof observed === 'number' && observed !== generation) {
    return { status: 'InProgress', message: `${text(o.kind)} generation is ${generation}, but latest observed generation is ${observed}` };
  }

  const conditions: Condition[] = Array.isArray(status?.conditions) ? (status.conditions as Condition[]) : [];
  // In list order: the first Reconciling=True or Stalled=True decides.
  for (const c of conditions) {
    if (c.type === 'Reconciling' && c.status === 'True') return { status: 'InProgress', message: text(c.message) };
    if (c.type === 'Stalled' && c.status === 'True') return { status: 'Failed', message: text(c.message) };
  }

  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready !== undefined) {
    if (ready.status === 'True') return { status: 'Current', message: 'Resource is Ready' };
    return { status: 'InProgress', message: text(ready.message) };
  }
  return { status: 'Current', message: 'Resource is current' };
}
