// The RtmpPushTask status. The vendor has no "get task" call, so this is everything the operator
// knows about the vendor side: what it last got accepted (requestHash, active) and what the
// push-status callbacks last said per address (destinations).
import { z } from 'zod';
import { appidStringSchema } from './spec.js';

export const CONDITION_TYPES = ['Synced', 'Streaming', 'Ready', 'Reconciling', 'Stalled'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

const time = z.iso.datetime({ offset: true }).describe('RFC 3339 time.');

/**
 * For status strings that may be empty. The test control plane (kube-apiserver 1.20 built with a
 * current Go) rejects "" in a non-nullable string field as "must be of type string: null" (its
 * OpenAPI validator mistakes Go's shared zero value for null); nullable lets "" through. A merge
 * patch turns null into a deletion, so null is never stored.
 */
const mayBeEmpty = { nullable: true } as const;

/** The same rules as metav1.Condition, so kubectl wait and other tools read it as usual. */
export const conditionSchema = z.object({
  type: z
    .string()
    .min(1)
    .max(316)
    .describe(
      'Synced: the vendor has the desired request. Streaming: every address reports 3000. Ready: the declared state is achieved (pushing, or suspended). Reconciling: work is under way (present only while True). Stalled: nothing changes without a human (present only while True).',
    ),
  status: z.enum(CONDITION_STATUSES).describe('True, False or Unknown.'),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
    .describe('CamelCase reason, one of a fixed set per condition type.'),
  message: z.string().max(32768).meta(mayBeEmpty).describe('What the condition means for this task, in words.'),
  lastTransitionTime: time.describe('When status last changed.'),
  observedGeneration: z.int().min(0).optional().describe('The metadata.generation this condition describes.'),
});
export type Condition = z.output<typeof conditionSchema>;

/** The vendor-side identity of a push: what stoprtmp needs. */
export const taskIdentitySchema = z.object({
  appid: appidStringSchema.describe('The vendor appid (uint64 in decimal).'),
  roomid: z.string().min(1).describe('The vendor room.'),
  streamtype: z.literal([1, 2]).meta({ type: 'integer' }).describe('1 mixed stream pushing, 2 source stream pushing.'),
  taskid: z.string().min(1).optional().describe('Mixed pushes: the vendor taskid.'),
  uid: z.string().min(1).optional().describe('Source pushes: the pushed user.'),
});
export type TaskIdentity = z.output<typeof taskIdentitySchema>;

/** The Secret whose credentials started a push: a stop must use the same account. */
export const secretReferenceSchema = z.object({
  namespace: z.string().min(1).describe('Namespace of the Secret.'),
  name: z.string().min(1).describe('Name of the Secret.'),
});
export type SecretReference = z.output<typeof secretReferenceSchema>;

/** A push the operator started (or may have started), with what is needed to stop it. */
export const recordedPushSchema = taskIdentitySchema.extend({
  credentialsSecretRef: secretReferenceSchema
    .optional()
    .describe('The Secret whose credentials started this push; stoprtmp uses the same one, even after the spec names another.'),
});
export type RecordedPush = z.output<typeof recordedPushSchema>;

export const DESTINATION_STATES = ['Pushing', 'SourceUnavailable', 'Interrupted', 'Terminated'] as const;
export type DestinationState = (typeof DESTINATION_STATES)[number];

export const destinationSchema = z.object({
  url: z.string().describe('The CDN address, with auth_key and similar query values redacted.'),
  state: z.enum(DESTINATION_STATES).describe('Pushing (3000), SourceUnavailable (3001), Interrupted (3002) or Terminated (3003).'),
  code: z.int().min(3000).max(3003).describe('Last callback status: 3000 pushing, 3001 cannot pull, 3002 interrupted, 3003 terminated.'),
  errcode: z.int().min(0).describe("Last callback errcode (the vendor's table)."),
  description: z.string().meta(mayBeEmpty).describe("The vendor's description, URLs redacted, at most 1024 characters."),
  lastCallbackTime: time.describe('When this replica last recorded a callback for the address (refreshed at most every --status-refresh-interval while unchanged).'),
  version: z.string().regex(/^[0-9]+$/).describe('Last applied callback version (uint64 digits).'),
});
export type Destination = z.output<typeof destinationSchema>;

export const rtmpPushTaskStatusSchema = z.object({
  observedGeneration: z.int().min(0).optional().describe('The metadata.generation the operator last acted on.'),
  conditions: z
    .array(conditionSchema)
    .optional()
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
    .describe('Synced, Streaming, Ready, Reconciling and Stalled (kstatus conventions).'),
  taskid: z.string().optional().describe('The vendor taskid in use (from spec or derived).'),
  active: recordedPushSchema
    .optional()
    .describe('The identity the vendor is pushing: set after startrtmp succeeds, cleared after stoprtmp succeeds.'),
  settledIntent: z
    .string()
    .optional()
    .describe(
      'The id of the last start intent (annotation rtmp.jocloud.com/start-intent) whose outcome is known; an intent with another id may be running at the vendor.',
    ),
  requestHash: z.string().optional().describe('sha256 of the canonical startrtmp request last accepted.'),
  rejectedRequestHash: z
    .string()
    .optional()
    .describe('sha256 of a startrtmp request the vendor refused as invalid (2101); it is not sent again until the spec changes.'),
  lastStartTime: time.optional().describe('When startrtmp last succeeded; 3003 callbacks older than this are history.'),
  restarts: z
    .int()
    .min(0)
    .optional()
    .describe(
      'Restarts after unexpected 3003 (terminated) callbacks in the current run of terminations; drives the restart backoff. Cleared once the push has stayed up for 10 minutes after its last start.',
    ),
  lastTraceId: z.string().meta(mayBeEmpty).optional().describe('traceId of the last vendor call.'),
  lastResponse: z
    .object({
      code: z.int().describe('The vendor code (0 success), or -1 when no vendor answer arrived.'),
      message: z.string().meta(mayBeEmpty).describe("The vendor's message, or what went wrong on the way."),
    })
    .optional()
    .describe('The last vendor answer.'),
  stopFailingSince: time.optional().describe('When stoprtmp first failed terminally during deletion.'),
  owner: z
    .string()
    .optional()
    .describe('When another RtmpPushTask owns the vendor identity this one declares: that task, as namespace/name.'),
  destinations: z.array(destinationSchema).optional().describe('Push state per CDN address, from the vendor callbacks.'),
});
export type RtmpPushTaskStatus = z.output<typeof rtmpPushTaskStatusSchema>;
