// Every vendor call the emulator received, for tests to assert what the operator sent. The token is
// kept only as a short sha256 fingerprint.
import { createHash } from 'node:crypto';
import type { CallRecord } from './control-api.js';

const MAX_RECORDS = 5_000;

export function tokenFingerprint(token: string | undefined): string | null {
  return token === undefined ? null : createHash('sha256').update(token).digest('hex').slice(0, 16);
}

export class CallLog {
  private records: CallRecord[] = [];
  private seq = 0;

  add(record: Omit<CallRecord, 'seq'>): CallRecord {
    const full: CallRecord = { seq: ++this.seq, ...record };
    this.records.push(full);
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
    return full;
  }

  list(): CallRecord[] {
    return [...this.records];
  }

  clear(): void {
    this.records = [];
  }
}
