// Callback reports received by this replica and not yet written, per task and per address. Only
// the newest report per address matters (the status shows the latest state), so a burst of
// heartbeats collapses to one entry, and anything not newer than what this replica has already
// seen for that address is dropped on arrival (the vendor's repeats and retries arrive out of
// order). Status writes still re-check the version against the object, which also covers reports
// the other replica applied.
import { destinationKey } from '../controller/destinations.js';
import type { CallbackReport } from './fold.js';

export type RecordOutcome = 'recorded' | 'stale';

export class PendingReports {
  /** task key → destination key → the newest unwritten report. */
  private readonly pending = new Map<string, Map<string, CallbackReport>>();
  /** task key → destination key → the highest version received on this replica. */
  private readonly highest = new Map<string, Map<string, bigint>>();

  record(key: string, report: CallbackReport): RecordOutcome {
    const url = destinationKey(report.url);
    let seen = this.highest.get(key);
    if (seen === undefined) {
      seen = new Map();
      this.highest.set(key, seen);
    }
    const top = seen.get(url);
    if (top !== undefined && report.version <= top) return 'stale';
    seen.set(url, report.version);
    let waiting = this.pending.get(key);
    if (waiting === undefined) {
      waiting = new Map();
      this.pending.set(key, waiting);
    }
    waiting.set(url, report);
    return 'recorded';
  }

  /** Removes and returns what is waiting for `key` (oldest first is not implied). */
  take(key: string): CallbackReport[] {
    const waiting = this.pending.get(key);
    this.pending.delete(key);
    return waiting === undefined ? [] : [...waiting.values()];
  }

  /** Puts back reports whose write failed, unless something newer arrived meanwhile. */
  restore(key: string, reports: readonly CallbackReport[]): void {
    if (reports.length === 0) return;
    let waiting = this.pending.get(key);
    if (waiting === undefined) {
      waiting = new Map();
      this.pending.set(key, waiting);
    }
    for (const report of reports) {
      const url = destinationKey(report.url);
      const newer = waiting.get(url);
      if (newer === undefined || newer.version < report.version) waiting.set(url, report);
    }
  }

  /** Drops everything about `key` (the task was deleted). */
  forget(key: string): void {
    this.pending.delete(key);
    this.highest.delete(key);
  }

  /** Tasks with reports waiting. */
  get size(): number {
    return this.pending.size;
  }

  has(key: string): boolean {
    return this.pending.has(key);
  }
}
