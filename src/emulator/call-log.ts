// Every vendor call the emulator received, for tests to assert what the operator sent. The token is
// kept only as a short sha256 fingerprint. The newest MAX_RECORDS calls are kept whole; every call
// is counted.
import { createHash } from 'node:crypto';
import type { CallCounts, CallRecord } from './control-api.js';

const MAX_RECORDS = 5_000;

export function tokenFingerprint(token: string | undefined): string | null {
  return token === undefined ? null : createHash('sha256').update(token).digest('hex').slice(0, 16);
}

export class CallLog {
  private records: CallRecord[] = [];
  private seq = 0;
  private counted: CallCounts = emptyCounts();

  add(record: Omit<CallRecord, 'seq'>): CallRecord {
    const full: CallRecord = { seq: ++this.seq, ...record };
    const count = this.counted[full.endpoint];
    count.calls += 1;
    if (full.code === 0) count.accepted += 1;
    this.records.push(full);
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
    return full;
  }

  list(): CallRecord[] {
    return [...this.records];
  }

  counts(): CallCounts {
    return { startrtmp: { ...this.counted.startrtmp }, stoprtmp: { ...this.counted.stoprtmp } };
  }

  clear(): void {
    this.records = [];
    this.counted = emptyCounts();
  }
}

function emptyCounts(): CallCounts {
  return { startrtmp: { calls: 0, accepted: 0 }, stoprtmp: { calls: 0, accepted: 0 } };
}
