// The JSON shapes of the emulator's control API (/_emulator/*): one zod schema each, used by the
// server to validate what it receives and by EmulatorControl to check what it gets back. uint64
// values (appid, version) are decimal strings in every answer, so no consumer loses digits.
import { z } from 'zod';

const UINT64_MAX = 2n ** 64n - 1n;

/** A uint64 given as a JSON number (parsed to bigint by parseVendorJson), a digit string or a safe number. */
export const uint64InputSchema = z
  .union([z.bigint(), z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative()])
  .transform((v) => BigInt(v))
  .refine((v) => v >= 0n && v <= UINT64_MAX, 'must be a uint64');

export const vendorEndpointSchema = z.enum(['startrtmp', 'stoprtmp']);
export const pushStatusSchema = z.number().int().min(3000).max(3003);

/** Body fields a fault can be limited to; each given one must equal the call's. */
export const faultMatchSchema = z.strictObject({
  roomid: z.string().optional(),
  taskid: z.string().optional(),
  uid: z.string().optional(),
  /** The caller's `x-rtmp-operator-instance` header (see JocloudClientOptions.instance). */
  instance: z.string().optional(),
});
export type FaultMatch = z.output<typeof faultMatchSchema>;

export const faultSpecSchema = z
  .strictObject({
    /** Only calls to this endpoint; both when absent. */
    endpoint: vendorEndpointSchema.optional(),
    /** Answer HTTP 200 with this vendor code instead of carrying the call out (or after, with carryOut). */
    code: z.number().int().optional(),
    /**
     * Answer with this HTTP status: with `code`, a vendor body carrying it; without, a plain-text
     * page as a gateway or proxy would send (no vendor code).
     */
    httpStatus: z.number().int().min(200).max(599).optional(),
    /** Probability that a matching call is hit, 0..1; default 1. */
    rate: z.number().min(0).max(1).optional(),
    /** Hits before the fault is used up; unlimited when absent. */
    count: z.number().int().min(1).optional(),
    /** Delay before answering (or before the other effects). Alone, the call is then processed normally. */
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    /** Never answer; the connection stays open until the client gives up. */
    hang: z.boolean().optional(),
    /** Destroy the connection without an answer. */
    reset: z.boolean().optional(),
    /**
     * Carry the call out first (tasks change as for a normal call), then apply the other effects:
     * with `reset` the answer is lost, with `latencyMs` it comes late (after the client's deadline
     * if longer), with `hang` it never comes, with `code`/`httpStatus` the vendor reports a failure
     * although it did the work. Without it a fault replaces the call: nothing is carried out
     * (except after `latencyMs` alone, which delays and then carries out).
     */
    carryOut: z.boolean().optional(),
    /** Only calls whose body names these (e.g. one task's next stop); any call when absent. */
    match: faultMatchSchema.optional(),
  })
  .refine((f) => f.code !== undefined || f.httpStatus !== undefined || f.latencyMs !== undefined || f.hang === true || f.reset === true, {
    message: 'a fault needs an effect: code, httpStatus, latencyMs, hang or reset',
  })
  .refine((f) => !(f.hang === true && f.reset === true), { message: 'hang and reset exclude each other' });
export type FaultSpec = z.input<typeof faultSpecSchema>;

export const faultSchema = z.object({
  id: z.string(),
  endpoint: vendorEndpointSchema.nullable(),
  code: z.number().int().nullable(),
  httpStatus: z.number().int().nullable(),
  rate: z.number(),
  latencyMs: z.number().int().nullable(),
  hang: z.boolean(),
  reset: z.boolean(),
  carryOut: z.boolean(),
  match: faultMatchSchema.nullable(),
  /** Hits left; null = unlimited. */
  remaining: z.number().int().nullable(),
  hits: z.number().int(),
});
export type Fault = z.infer<typeof faultSchema>;

export const destinationStateInputSchema = z.strictObject({
  url: z.string().min(1),
  status: pushStatusSchema,
  errcode: z.number().int().min(0).optional(),
  description: z.string().optional(),
});
export type DestinationStateInput = z.input<typeof destinationStateInputSchema>;

export const destinationStateSchema = z.object({
  url: z.string(),
  status: pushStatusSchema,
  errcode: z.number().int(),
  description: z.string(),
  /** How many active tasks push to this address right now (each was sent a callback at once). */
  liveIn: z.number().int(),
});
export type DestinationState = z.infer<typeof destinationStateSchema>;

export const sendCallbackInputSchema = z.strictObject({
  appid: uint64InputSchema,
  roomid: z.string(),
  /** Reported as is; when absent the active task's (found by uid for a source push) or "". */
  taskid: z.string().optional(),
  uid: z.string().optional(),
  url: z.string().min(1),
  /** Any uint32, so receivers can be tested with codes the page does not list. */
  status: z.number().int().min(0).max(4_294_967_295),
  errcode: z.number().int().min(0).max(4_294_967_295).optional(),
  description: z.string().optional(),
  /** The emulator's next version when absent; later automatic versions stay above a given one. */
  version: uint64InputSchema.optional(),
});
export type SendCallbackInput = z.input<typeof sendCallbackInputSchema>;

export const deliveryResultSchema = z.object({
  delivered: z.boolean(),
  attempts: z.number().int(),
  /** HTTP status of the last attempt, null when none got an answer. */
  httpStatus: z.number().int().nullable(),
  error: z.string().nullable(),
  /** The payload's address with auth_key redacted, status and version. */
  url: z.string(),
  status: z.number().int(),
  version: z.string(),
  at: z.string(),
});
export type DeliveryResult = z.infer<typeof deliveryResultSchema>;

export const callbackStatsSchema = z.object({
  queued: z.number().int(),
  delivered: z.number().int(),
  failedAttempts: z.number().int(),
  dropped: z.number().int(),
  inFlight: z.number().int(),
});
export type CallbackStats = z.infer<typeof callbackStatsSchema>;

export const callbackLogSchema = z.object({
  /** Redacted; null when the emulator has no callback URL. */
  callbackUrl: z.string().nullable(),
  stats: callbackStatsSchema,
  recent: z.array(deliveryResultSchema),
});
export type CallbackLog = z.infer<typeof callbackLogSchema>;

export const addressViewSchema = z.object({
  url: z.string(),
  status: pushStatusSchema,
  errcode: z.number().int(),
  description: z.string(),
  terminated: z.boolean(),
  lastVersion: z.string().nullable(),
});

export const taskViewSchema = z.object({
  key: z.string(),
  kind: z.enum(['mixed', 'source']),
  appid: z.string(),
  roomid: z.string(),
  taskid: z.string().nullable(),
  uid: z.string().nullable(),
  callbackTaskid: z.string(),
  addresses: z.array(addressViewSchema),
  startedAt: z.string(),
  updatedAt: z.string(),
  updateCount: z.number().int(),
  /** The last accepted startrtmp body, uint64s as strings. */
  request: z.record(z.string(), z.unknown()),
});
export type TaskView = z.infer<typeof taskViewSchema>;

export const callRecordSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  endpoint: vendorEndpointSchema,
  traceId: z.string().nullable(),
  /** As written in the path. */
  appid: z.string(),
  pathPrefix: z.string(),
  /** The body as parsed, uint64s as strings; null when it was not JSON (see rawBody). */
  body: z.unknown(),
  rawBody: z.string().nullable(),
  /** First 16 hex digits of sha256(token header): compare, never read the credential back. */
  tokenSha256: z.string().nullable(),
  /** The caller's `x-rtmp-operator-instance` header: which process made the call. */
  instance: z.string().nullable(),
  /** The caller's address and port: which connection carried the call. */
  peer: z.string().nullable(),
  /** The code and status answered (injected or not); null when no answer was sent. */
  code: z.number().int().nullable(),
  httpStatus: z.number().int().nullable(),
  message: z.string().nullable(),
  /**
   * `answered`; `abandoned` when the answer was ready only after the client had hung up (a late
   * answer past its deadline); `hang` and `reset` from faults.
   */
  outcome: z.enum(['answered', 'abandoned', 'hang', 'reset']),
  /**
   * The code the emulator's own handling produced when it carried the call out (0, 2101, 2102...),
   * whatever was then answered; null when a fault answered in its place.
   */
  appliedCode: z.number().int().nullable(),
  fault: z.string().nullable(),
  /** When the answer was sent or the connection dropped (`at` is when the call arrived). */
  doneAt: z.string(),
});
export type CallRecord = z.infer<typeof callRecordSchema>;

/** Calls to one endpoint since the last clear, and those answered with code 0. */
const callCountSchema = z.object({ calls: z.number().int().min(0), accepted: z.number().int().min(0) });
/**
 * What GET /_emulator/calls/count answers: every call counted, even past the records the log
 * keeps (the newest 5,000), so a fleet of 10,000 tasks can be checked for one start each.
 */
export const callCountsSchema = z.object({ startrtmp: callCountSchema, stoprtmp: callCountSchema });
export type CallCounts = z.infer<typeof callCountsSchema>;

export const okSchema = z.object({ ok: z.literal(true) });
