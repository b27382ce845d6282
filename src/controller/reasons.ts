// Every condition and Event reason this operator writes, in one catalogue, so the README's tables,
// Argo CD's health script, alert rules and tests all speak of the same words.

/** Condition types (kstatus conventions: Reconciling and Stalled are present only while True). */
export const Cond = {
  Synced: 'Synced',
  Streaming: 'Streaming',
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
} as const;

/** Reasons of the Synced condition (also Ready's and Stalled's when they repeat it). */
export const SyncedReason = {
  Synced: 'Synced',
  Suspended: 'Suspended',
  InvalidSpec: 'InvalidSpec',
  /** The vendor answered 2101 to this request. */
  InvalidParameter: 'InvalidParameter',
  /** The vendor answered 1000/1001/1002. */
  CredentialsRejected: 'CredentialsRejected',
  NoCredentials: 'NoCredentials',
  SecretNotFound: 'SecretNotFound',
  SecretInvalid: 'SecretInvalid',
  /** Another RtmpPushTask owns the vendor identity this one declares. */
  IdentityConflict: 'IdentityConflict',
  /** The namespace may not use these credentials or this appid. */
  NotPermitted: 'NotPermitted',
  /** Something between us and the vendor refused the call (HTTP 4xx without a vendor answer). */
  VendorEndpointRejected: 'VendorEndpointRejected',
  /** Deletion: stoprtmp keeps failing. */
  StopFailing: 'StopFailing',
  /** Stopping a push the spec no longer declares (identity change, suspend) before going on. */
  Stopping: 'Stopping',
} as const;

/** Reasons of Ready beyond Synced's. */
export const ReadyReason = {
  Streaming: 'Streaming',
  Synced: 'Synced',
  Suspended: 'Suspended',
  Reconciling: 'Reconciling',
  AwaitingCallback: 'AwaitingCallback',
  /** The vendor reports a push problem that has lasted (or keeps terminating the task). */
  PushFailing: 'PushFailing',
} as const;

/** Reasons of the Reconciling condition. */
export const ReconcilingReason = {
  Progressing: 'Progressing',
  RetryingWithBackoff: 'RetryingWithBackoff',
  Restarting: 'Restarting',
} as const;

/** Reasons of Stalled: Synced's reasons that only a human can change, and a blocked deletion. */
export const StalledReason = {
  DeletionBlocked: 'DeletionBlocked',
} as const;

const stalledSyncedReasons: ReadonlySet<string> = new Set([
  SyncedReason.InvalidSpec,
  SyncedReason.InvalidParameter,
  SyncedReason.CredentialsRejected,
  SyncedReason.NoCredentials,
  SyncedReason.SecretNotFound,
  SyncedReason.SecretInvalid,
  SyncedReason.IdentityConflict,
  SyncedReason.NotPermitted,
  SyncedReason.VendorEndpointRejected,
  SyncedReason.StopFailing,
]);

/** The Stalled reason a Synced=False reason implies, or undefined when retrying may still help. */
export function stalledReasonFor(syncedReason: string): string | undefined {
  if (!stalledSyncedReasons.has(syncedReason)) return undefined;
  return syncedReason === SyncedReason.StopFailing ? StalledReason.DeletionBlocked : syncedReason;
}

/** Event reasons. */
export const EventReason = {
  Started: 'Started',
  Updated: 'Updated',
  Restarted: 'Restarted',
  Stopped: 'Stopped',
  Suspended: 'Suspended',
  Orphaned: 'Orphaned',
  SyncFailed: 'SyncFailed',
  DeletionBlocked: 'DeletionBlocked',
  SpecRefused: 'SpecRefused',
  IdentityConflict: 'IdentityConflict',
  NotPermitted: 'NotPermitted',
  Terminated: 'Terminated',
  StreamingStarted: 'StreamingStarted',
  StreamingProblem: 'StreamingProblem',
} as const;
