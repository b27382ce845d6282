// Every vendor call of the run, read from the emulator's call log as it grows (by seq, so the
// log's cap of the most recent records never loses one between two reads), tallied by phase.
import type { CallRecord } from '../../src/emulator/control-api.js';
import type { EmulatorControl } from '../../src/emulator/control-client.js';

export interface PhaseTally {
  calls: number;
  starts: number;
  stops: number;
  /** Carried out by the emulator, the connection then dropped without an answer. */
  answersLost: number;
  /** Answered with an injected code instead of being carried out. */
  injectedCodes: number;
}

function emptyTally(): PhaseTally {
  return { calls: 0, starts: 0, stops: 0, answersLost: 0, injectedCodes: 0 };
}

export class CallTally {
  readonly phases = new Map<string, PhaseTally>();
  /** Every call read, for the post-mortem file. */
  readonly records: Array<CallRecord & { phase: string }> = [];
  private lastSeq = 0;
  private phase = 'chaos';
  private lastCallAt = Date.now();

  constructor(private readonly control: EmulatorControl) {}

  /** Calls read from now on count under `phase`. */
  enter(phase: string): void {
    this.phase = phase;
  }

  /** Reads the calls that arrived since the last read. */
  async read(): Promise<void> {
    const fresh = (await this.control.calls()).filter((c) => c.seq > this.lastSeq);
    for (const c of fresh) this.count(c);
    const last = fresh.at(-1);
    if (last !== undefined) {
      this.lastSeq = last.seq;
      this.lastCallAt = Date.now();
    }
  }

  /** Milliseconds since a read last found a new call. */
  quietForMs(): number {
    return Date.now() - this.lastCallAt;
  }

  tally(phase: string): PhaseTally {
    return this.phases.get(phase) ?? emptyTally();
  }

  private count(c: CallRecord): void {
    this.records.push({ ...c, phase: this.phase });
    let t = this.phases.get(this.phase);
    if (t === undefined) {
      t = emptyTally();
      this.phases.set(this.phase, t);
    }
    t.calls++;
    if (c.endpoint === 'startrtmp') t.starts++;
    else t.stops++;
    if (c.outcome === 'reset' && c.appliedCode !== null) t.answersLost++;
    if (c.fault !== null && c.appliedCode === null && c.code !== null) t.injectedCodes++;
  }
}
