// What the recorded push states mean: the Streaming verdict, staleness and the restart rule, read
// from `status.destinations` (which callback/fold.ts fills). Pure functions.
import type { Destination, DestinationState } from '../api/v1alpha1/status.js';
import { redactUrl } from '../observability/redact.js';

export type { Destination, DestinationState } from '../api/v1alpha1/status.js';

/** The vendor page's error-code table, with what the user should do about each. */
const errcodeMeaning: Record<number, string> = {
  0: 'normal',
  1: 'incorrect URL format: check the CDN address',
  2: 'the concurrency limit is reached',
  3: 'timed out',
  1001: 'TCP connection to the CDN broke',
  1002: 'TCP connection to the CDN failed',
  1003: 'the CDN rejected the RTMP push: refresh the auth key of the address, or check the stream name is not pushed twice',
  2001: 'stream pushing stopped',
  2002: 'the data to be pushed does not exist',
  2003: 'internal error in the vendor stream-pushing server',
};

export function describeErrcode(errcode: number): string {
  return errcodeMeaning[errcode] ?? `vendor error code ${errcode}`;
}

const statusMeaning: Record<DestinationState, string> = {
  Pushing: 'pushing normally',
  SourceUnavailable: 'audio/video streams cannot be pulled: check the anchors publishing in the room',
  Interrupted: 'pushing was interrupted: check the address and its auth key',
  Terminated: 'pushing terminated',
};

/** Matches a callback's url to a destination; status keeps urls redacted, so compare redacted. */
export function destinationKey(url: string): string {
  return redactUrl(url);
}

/** Keeps only destinations for addresses still in the spec, in the spec's order. */
export function destinationsFor(rtmpurls: readonly string[], destinations: readonly Destination[]): Destination[] {
  const byUrl = new Map(destinations.map((d) => [d.url, d]));
  return rtmpurls.map((u) => byUrl.get(destinationKey(u))).filter((d): d is Destination => d !== undefined);
}

export interface StreamingVerdict {
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

/**
 * 3000-3002 repeat periodically, so a report of those that is older than `staleMs` no longer
 * says anything: the address may have recovered, or the vendor may have lost the task without a
 * word. 3003 is sent once and stays true until a new start.
 */
function isStale(d: Destination, now: Date, staleMs: number): boolean {
  return d.state !== 'Terminated' && now.getTime() - Date.parse(d.lastCallbackTime) > staleMs;
}

/**
 * The Streaming condition for a started task. True only when every address reports 3000;
 * Unknown when reports are missing or older than `staleMs` (the vendor repeats them, so silence
 * means we can no longer tell, whatever the last report said); otherwise False naming the worst
 * address whose report still holds.
 */
export function streamingVerdict(
  rtmpurls: readonly string[],
  destinations: readonly Destination[],
  now: Date,
  staleMs: number,
): StreamingVerdict {
  const current = destinationsFor(rtmpurls, destinations);
  const stale = current.filter((d) => isStale(d, now, staleMs));
  const failing = current.filter((d) => d.state !== 'Pushing' && !stale.includes(d));
  if (failing.length > 0) {
    const worst = failing.find((d) => d.state === 'Terminated') ?? failing.find((d) => d.state === 'Interrupted') ?? failing[0];
    if (worst !== undefined) {
      const detail = worst.errcode !== 0 ? `; errcode ${worst.errcode}: ${describeErrcode(worst.errcode)}` : '';
      return {
        status: 'False',
        reason: worst.state,
        message: `${failing.length} of ${rtmpurls.length} addresses not pushing; ${worst.url}: ${statusMeaning[worst.state]}${detail}`,
      };
    }
  }
  if (current.length < rtmpurls.length) {
    return { status: 'Unknown', reason: 'AwaitingCallback', message: `${rtmpurls.length - current.length} of ${rtmpurls.length} addresses have not reported yet` };
  }
  if (stale.length > 0) {
    return {
      status: 'Unknown',
      reason: 'CallbacksStale',
      message: `no push-status callback for ${Math.round(staleMs / 1000)}s from ${stale.map((d) => d.url).join(', ')}`,
    };
  }
  return { status: 'True', reason: 'Pushing', message: `all ${rtmpurls.length} addresses pushing` };
}

/**
 * When the next address's report turns stale if nothing else arrives (for a requeue). With `now`,
 * reports already stale are left out, so the answer is never in the past.
 */
export function nextStaleCheck(rtmpurls: readonly string[], destinations: readonly Destination[], staleMs: number, now?: Date): Date | undefined {
  const times = destinationsFor(rtmpurls, destinations)
    .filter((d) => d.state !== 'Terminated' && (now === undefined || !isStale(d, now, staleMs)))
    .map((d) => Date.parse(d.lastCallbackTime));
  if (times.length === 0) return undefined;
  return new Date(Math.min(...times) + staleMs + 1000);
}

/**
 * How long after our start a 3003 is not acted on yet. The 3003 that follows a stop arrives a
 * moment later; when a start follows the stop at once (resume, or a source push whose uid changed:
 * its callbacks carry no uid, so the old task's and the new one's are indistinguishable), that
 * 3003 arrives after the new start. Waiting lets the new task's first report replace it.
 */
export const RESTART_SETTLE_MS = 5_000;

/** The longest wait between restarts after 3003s. */
export const MAX_RESTART_BACKOFF_MS = 300_000;

/**
 * How long a push must have stayed up since its last start before its restart count (and so the
 * restart backoff) starts over. A push that comes back for a few seconds and is terminated again
 * is one run of failures, not a fresh start each time: kubelet's crash-loop backoff likewise
 * resets only after a container has run for twice its 5-minute cap.
 */
export const RESTARTS_RESET_AFTER_MS = 2 * MAX_RESTART_BACKOFF_MS;

/**
 * A 3003 (terminated) for a task that should be running means the vendor dropped it. It is acted
 * on only when it came after our last start (and not before RESTART_SETTLE_MS after it), and
 * restarts back off exponentially so a vendor that keeps terminating the task is not hammered.
 */
export function restartDue(
  destinations: readonly Destination[],
  rtmpurls: readonly string[],
  lastStartTime: string | undefined,
  restarts: number,
  now: Date,
  baseDelayMs = 10_000,
  maxDelayMs = MAX_RESTART_BACKOFF_MS,
  settleMs = RESTART_SETTLE_MS,
): { due: boolean; retryAt?: Date } {
  const started = lastStartTime === undefined ? 0 : Date.parse(lastStartTime);
  const terminated = destinationsFor(rtmpurls, destinations).some((d) => d.state === 'Terminated' && Date.parse(d.lastCallbackTime) >= started);
  if (!terminated) return { due: false };
  const backoff = restarts === 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * 2 ** (restarts - 1));
  const at = started + Math.max(backoff, settleMs);
  return at <= now.getTime() ? { due: true } : { due: false, retryAt: new Date(at) };
}
