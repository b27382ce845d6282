// Push-status callbacks folded into `status.destinations`: the version rule, the refresh
// economy and the clean-up of the vendor's free text. Pure; the callback writer does the I/O.
import type { Destination, DestinationState } from '../api/v1alpha1/status.js';
import { destinationKey } from '../controller/destinations.js';
import { redactUrl } from '../observability/redact.js';

/** The fields of a vendor callback this module needs (the full body is validated upstream). */
export interface CallbackReport {
  readonly url: string;
  readonly status: number;
  readonly errcode: number;
  readonly description: string;
  readonly version: bigint;
}

const stateByStatus: Record<number, DestinationState> = {
  3000: 'Pushing',
  3001: 'SourceUnavailable',
  3002: 'Interrupted',
  3003: 'Terminated',
};

export function stateOf(status: number): DestinationState | undefined {
  return stateByStatus[status];
}

export type ApplyOutcome = 'state-changed' | 'refreshed' | 'unchanged' | 'stale-version';

/** Longest vendor description kept in status (the callback body may be up to 64 KiB). */
export const MAX_DESCRIPTION_LENGTH = 1024;

/**
 * The vendor's free-text description as status shows it: it may quote the push address, auth key
 * and all, so every URL in it is redacted like the address itself; and it is capped in length.
 */
export function cleanDescription(text: string): string {
  const redacted = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s,;)"'<>]+/gi, (u) => redactUrl(u));
  return redacted.length > MAX_DESCRIPTION_LENGTH ? `${redacted.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...` : redacted;
}

/**
 * Folds one callback into the destinations. A lower version than the one applied is ignored
 * (the vendor's periodic repeats can arrive out of order). An unchanged state only refreshes
 * lastCallbackTime once per `refreshMs`, so heartbeats do not each cost a Kubernetes write.
 */
export function applyCallback(
  destinations: readonly Destination[],
  report: CallbackReport,
  now: Date,
  refreshMs: number,
  /** When the task was last started: a 3003 after it is a new termination, never a repeat. */
  startedAt?: number,
): { destinations: Destination[]; outcome: ApplyOutcome } {
  const state = stateOf(report.status);
  if (state === undefined) return { destinations: [...destinations], outcome: 'unchanged' };
  const key = destinationKey(report.url);
  const index = destinations.findIndex((d) => d.url === key);
  const existing = index >= 0 ? destinations[index] : undefined;
  if (existing !== undefined && report.version <= BigInt(existing.version)) {
    return { destinations: [...destinations], outcome: 'stale-version' };
  }
  const next: Destination = {
    url: key,
    state,
    code: report.status,
    errcode: report.errcode,
    description: cleanDescription(report.description),
    lastCallbackTime: now.toISOString(),
    version: report.version.toString(),
  };
  const newTermination = next.state === 'Terminated' && existing !== undefined && startedAt !== undefined && Date.parse(existing.lastCallbackTime) < startedAt;
  const sameState =
    !newTermination &&
    existing !== undefined &&
    existing.state === next.state &&
    existing.code === next.code &&
    existing.errcode === next.errcode &&
    existing.description === next.description;
  if (sameState && now.getTime() - Date.parse(existing.lastCallbackTime) < refreshMs) {
    return { destinations: [...destinations], outcome: 'unchanged' };
  }
  const out = [...destinations];
  if (index >= 0) out[index] = next;
  else out.push(next);
  return { destinations: out, outcome: sameState ? 'refreshed' : 'state-changed' };
}

