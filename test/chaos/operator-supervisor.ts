// The operator under chaos: a child process (`run`), SIGKILLed at random intervals and started
// again at once, its output saved to a file per process for the post-mortem.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperatorProcess } from '../harness/operator-process.js';
import type { Dice } from './seeded-random.js';

export interface SupervisorOptions {
  /** Flags after `run`. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Where each process's log goes (`<name>.log`). */
  readonly logDir: string;
}

export class OperatorSupervisor {
  /** Processes started so far. */
  started = 0;
  /** SIGKILLs sent. */
  kills = 0;
  private current: OperatorProcess | undefined;
  private readonly saved: Array<Promise<void>> = [];

  constructor(private readonly opts: SupervisorOptions) {}

  /** Starts a process (killing the running one first, if any). */
  async restart(): Promise<void> {
    await this.kill();
    const proc = OperatorProcess.start({ name: `operator-${String(++this.started).padStart(3, '0')}`, args: this.opts.args, env: this.opts.env });
    this.current = proc;
    this.saved.push(proc.exited.then(() => writeFile(path.join(this.opts.logDir, `${proc.name}.log`), `${proc.lines.join('\n')}\n`)));
  }

  /** Until `stop` aborts: start, live for `minMs`..`maxMs` (dice), SIGKILL, and again. The last one keeps running. */
  async chaos(dice: Dice, minMs: number, maxMs: number, stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      await this.restart();
      try {
        await sleep(dice.int(minMs, maxMs), undefined, { signal: stop });
      } catch {
        return;
      }
    }
  }

  /** SIGKILLs the running process and waits for its exit. */
  async kill(): Promise<void> {
    const proc = this.current;
    this.current = undefined;
    if (proc === undefined || proc.hasExited()) return;
    this.kills++;
    await proc.kill();
  }

  /** The running process, for diagnostics. */
  running(): OperatorProcess | undefined {
    return this.current;
  }

  /** Kills the running process and waits until every log is written. */
  async close(): Promise<void> {
    await this.kill();
    await Promise.all(this.saved);
  }
}
