// The start intent: written on the task (annotation START_INTENT_ANNOTATION, together with the
// finalizer) before every startrtmp, the way Crossplane writes its external-create-pending marker
// before an external create. The vendor has no "get task" call, so if the answer to a start is
// lost (timeout, reset, crash, a failed status write) this is the only trace that a push may be
// running. status.settledIntent names the last intent whose outcome is known.
import { z } from 'zod';
import { recordedPushSchema } from './status.js';

export const startIntentSchema = recordedPushSchema.extend({
  /** Unique per intent, so a settled one is told apart from a newer one for the same identity. */
  id: z.string().min(1),
  /** sha256 of the start request about to be sent. */
  requestHash: z.string().min(1),
  /**
   * An earlier start of this identity may already have gone through (an unsettled intent was
   * replaced by this one): a refusal of this request then does not prove nothing runs.
   */
  maybeRunning: z.boolean().optional(),
});
export type StartIntent = z.output<typeof startIntentSchema>;

/** The intent recorded in `annotations`, or undefined when there is none or it cannot be read. */
export function parseStartIntent(raw: string | undefined): StartIntent | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const r = startIntentSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export function formatStartIntent(intent: StartIntent): string {
  return JSON.stringify(intent);
}
