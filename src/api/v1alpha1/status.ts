// The RtmpPushTask status. The vendor has no "get task" call, so this is everything the operator
// knows about the vendor side: what it last got accepted (requestHash, active) and what the
// push-status callbacks last said per address (destinations).
import { z } from 'zod';
import { appidStringSchema } from './spec.js';

export const CONDITION_TYPES = ['Synced', 'Streaming', 'Ready'] as const;
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
    .describe('Synced: the vendor has the desired request. Streaming: every address reports 3000. Ready: both.'),
  status: z.enum(CONDITION_STATUSES),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
    .describe('CamelCase reason.'),
  message: z.string().max(32768).meta(mayBeEmpty),
  lastTransitionTime: time,
  observedGeneration: z.int().min(0).optional(),
});
export type Condition = z.output<typeof conditionSchema>;

/** The vendor-side identity of a push: what stoprtmp needs. */
export const taskIdentitySchema = z.object({
  appid: appidStringSchema,
  roomid: z.string().min(1),
  streamtype: z.literal([1, 2]).meta({ type: 'integer' }),
  taskid: z.string().min(1).optional(),
  uid: z.string().min(1).optional(),
});
export type TaskIdentity = z.output<typeof taskIdentitySchema>;

export const DESTINATION_STATES = ['Pushing', 'SourceUnavailable', 'Interrupted', 'Terminated'] as const;
export type DestinationState = (typeof DESTINATION_STATES)[number];

export const destinationSchema = z.object({
  url: z.string().describe('The CDN address, with auth_key and similar query values redacted.'),
  state: z.enum(DESTINATION_STATES),
  code: z.int().min(3000).max(3003).describe('Last callback status: 3000 pushing, 3001 cannot pull, 3002 interrupted, 3003 terminated.'),
  errcode: z.int().min(0).describe("Last callback errcode (the vendor's table)."),
  description: z.string().meta(mayBeEmpty),
  lastCallbackTime: time,
  version: z.string().regex(/^[0-9]+$/).describe('Last applied callback version (uint64 digits).'),
});
export type Destination = z.output<typeof destinationSchema>;

export const rtmpPushTaskStatusSchema = z.object({
  observedGeneration: z.int().min(0).optional(),
  conditions: z
    .array(conditionSchema)
    .optional()
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
  taskid: z.string().optional().describe('The vendor taskid in use (from spec or derived).'),
  active: taskIdentitySchema
    .optional()
    .describe('The identity the vendor is pushing: set after startrtmp succeeds, cleared after stoprtmp succeeds.'),
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
    .describe('Restarts after unexpected 3003 (terminated) callbacks since the task last reported pushing; drives the restart backoff.'),
  lastTraceId: z.string().meta(mayBeEmpty).optional().describe('traceId of the last vendor call.'),
  lastResponse: z
    .object({ code: z.int(), message: z.string().meta(mayBeEmpty) })
    .optional()
    .describe('The last vendor answer.'),
  stopFailingSince: time.optional().describe('When stoprtmp first failed terminally during deletion.'),
  destinations: z.array(destinationSchema).optional().describe('Push state per CDN address, from the vendor callbacks.'),
});
export type RtmpPushTaskStatus = z.output<typeof rtmpPushTaskStatusSchema>;
