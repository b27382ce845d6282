// What the vendor sends: responses and push-status callbacks. Lenient about extra fields (the
// vendor may add some) and about missing text fields, strict about what decisions depend on.
import { z } from 'zod';
import { intChoice, nonEmpty } from './fields.js';
import { uint64Schema } from './requests.js';

export const vendorResponseSchema = z.object({
  code: z.int(),
  message: z.string().default(''),
  traceId: z.string().default(''),
});
export type VendorResponse = z.output<typeof vendorResponseSchema>;

/** Push-status callback codes (the page's table). */
export const PUSH_STATUS = { Pushing: 3000, SourceUnavailable: 3001, Interrupted: 3002, Terminated: 3003 } as const;

export const pushStatusCallbackSchema = z.object({
  url: nonEmpty,
  appname: z.string().default(''),
  streamname: z.string().default(''),
  appid: uint64Schema,
  roomid: z.string(),
  /** Empty for source pushes, which have no taskid. */
  taskid: z.string().default(''),
  status: intChoice([3000, 3001, 3002, 3003], '3000 (pushing), 3001 (cannot pull), 3002 (interrupted) or 3003 (terminated)'),
  version: uint64Schema,
  errcode: z.int().min(0).default(0),
  description: z.string().default(''),
});
export type PushStatusCallback = z.output<typeof pushStatusCallbackSchema>;
