// Ready is derived, never decided on its own: Synced (the vendor has the desired request) and,
// when the operator receives push-status callbacks, Streaming (every address reports 3000).
// Both status writers — the reconciler and the callback writer — derive it through this function
// so they can never disagree.

export interface ConditionInput {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

export function readyFrom(
  synced: ConditionInput | undefined,
  streaming: ConditionInput | undefined,
  callbacksEnabled: boolean,
): ConditionInput {
  if (synced === undefined) return { type: 'Ready', status: 'Unknown', reason: 'Reconciling', message: 'not reconciled yet' };
  if (synced.status !== 'True') return { type: 'Ready', status: synced.status === 'Unknown' ? 'Unknown' : 'False', reason: synced.reason, message: synced.message };
  if (synced.reason === 'Suspended') return { type: 'Ready', status: 'False', reason: 'Suspended', message: 'spec.suspend is true: nothing is pushed' };
  if (!callbacksEnabled) return { type: 'Ready', status: 'True', reason: 'Synced', message: synced.message };
  if (streaming === undefined) return { type: 'Ready', status: 'Unknown', reason: 'AwaitingCallback', message: 'waiting for the first push-status callback' };
  if (streaming.status === 'True') return { type: 'Ready', status: 'True', reason: 'Streaming', message: streaming.message };
  return { type: 'Ready', status: streaming.status, reason: streaming.reason, message: streaming.message };
}
