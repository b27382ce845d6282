// The RtmpPushTask spec. Field names mirror the vendor's so users can copy from the vendor page; the
// mixconfig is the vendor's structure verbatim (mixConfigSchema from the wire schemas). What differs
// from the wire: appid is a decimal string (YAML and JSON tools lose digits of a uint64 number), and
// the addresses are a list, because the vendor's single comma-joined rtmpurl cannot say which
// address a problem is in.
import { z } from 'zod';
import { MAX_RTMP_ADDRESSES, MAX_URL_BYTES, UINT64_MAX, mixConfigSchema, rtmpAddressSchema } from '../../jocloud/wire.js';

/** A uint64 as canonical decimal digits (no sign, no leading zeros), at most 18446744073709551615. */
export const appidStringSchema = z
  .string()
  .max(20)
  .regex(/^(0|[1-9][0-9]*)$/, {
    error: (iss) => `must be the decimal digits of an unsigned 64-bit integer, e.g. "1470236061" (got ${JSON.stringify(iss.input)})`,
  })
  .refine((v) => !/^[0-9]+$/.test(v) || BigInt(v) <= UINT64_MAX, {
    error: (iss) => `must be at most ${UINT64_MAX} (got ${String(iss.input)})`,
  });

/** A Kubernetes object name (DNS-1123 subdomain). */
const objectName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    error: (iss) => `must be a Kubernetes object name: lower case letters, digits, '-' and '.' (got ${JSON.stringify(iss.input)})`,
  });

export const rtmpUrlsSchema = z
  .array(
    rtmpAddressSchema.describe(
      "An rtmp:// or rtmps:// address, at most 256 bytes, without commas (the vendor receives the list comma-joined) and without spaces. Credentials such as ?auth_key=... are never logged.",
    ),
  )
  .min(1)
  .max(MAX_RTMP_ADDRESSES)
  .superRefine((urls, ctx) => {
    const seen = new Map<string, number>();
    urls.forEach((u, i) => {
      const first = seen.get(u);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i], message: `repeats rtmpurls[${first}]` });
      else seen.set(u, i);
    });
  })
  .meta({ 'x-kubernetes-list-type': 'set' })
  .describe(
    `CDN push addresses, 1 to ${MAX_RTMP_ADDRESSES}, distinct, each at most ${MAX_URL_BYTES} bytes. Updating the list replaces it in full: addresses left out stop being pushed.`,
  );

export const DELETION_POLICIES = ['Delete', 'Orphan'] as const;

export const rtmpPushTaskSpecSchema = z
  .strictObject({
    appid: appidStringSchema
      .optional()
      .describe("Vendor application ID, a uint64 as a decimal string. Default: the operator's --default-appid."),
    credentialsSecretRef: z
      .strictObject({ name: objectName.describe('Secret name.') })
      .optional()
      .describe("A Secret in the task's namespace with keys restfulId and restfulSecret. Default: the operator's --default-credentials-secret."),
    roomid: z.string().min(1).describe('Room number.'),
    streamtype: z
      .literal([1, 2], {
        error: (iss) => (iss.input === undefined ? undefined : `must be 1 (mixed stream pushing) or 2 (source stream pushing) (got ${JSON.stringify(iss.input)})`),
      })
      .meta({ type: 'integer' })
      .describe('1 mixed stream pushing (needs mixconfig), 2 source stream pushing (needs uid).'),
    rtmpurls: rtmpUrlsSchema,
    taskid: z
      .string()
      .min(1)
      .optional()
      .describe('Mixed pushing only: the vendor task ID. Default: derived from namespace/name (rpt- and 20 hex digits), stable across re-creation.'),
    uid: z.string().min(1).optional().describe('Source pushing only: the user whose stream is pushed.'),
    mixconfig: mixConfigSchema.optional().describe("Mixed pushing only: the vendor's mix configuration, verbatim."),
    suspend: z.boolean().default(false).describe('true stops pushing and keeps the resource; false starts it again.'),
    deletionPolicy: z
      .enum(DELETION_POLICIES, {
        error: (iss) => (iss.input === undefined ? undefined : `must be Delete or Orphan (got ${JSON.stringify(iss.input)})`),
      })
      .default('Delete')
      .describe('Delete calls stoprtmp when the resource is deleted; Orphan leaves the vendor task running.'),
  })
  .superRefine((s, ctx) => {
    const wrongType = (field: 'taskid' | 'uid' | 'mixconfig', why: string): void => {
      if (s[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: why });
    };
    if (s.streamtype === 1) {
      if (s.mixconfig === undefined) ctx.addIssue({ code: 'custom', path: ['mixconfig'], message: 'is required for mixed stream pushing (streamtype 1)' });
      wrongType('uid', 'is only for source stream pushing (streamtype 2); a mixed push names its users in mixconfig.input');
    } else {
      if (s.uid === undefined) ctx.addIssue({ code: 'custom', path: ['uid'], message: 'is required for source stream pushing (streamtype 2)' });
      wrongType('taskid', 'is only for mixed stream pushing (streamtype 1); a source push is identified by uid');
      wrongType('mixconfig', 'is only for mixed stream pushing (streamtype 1)');
    }
  });

export type RtmpPushTaskSpec = z.output<typeof rtmpPushTaskSpecSchema>;
/** What a manifest may contain (defaults not yet applied). */
export type RtmpPushTaskSpecInput = z.input<typeof rtmpPushTaskSpecSchema>;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];
