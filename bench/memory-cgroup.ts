// Runs the operator under a memory limit the way a container runtime does: in a memory cgroup of
// its own. Node sizes its V8 heap from that limit (not from the host's memory), so this is how to
// measure `node dist/main.js` as a pod with the chart's limit runs it. Linux only, as root, with
// the cgroup v1 memory controller or cgroup v2 mounted at /sys/fs/cgroup.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class MemoryCgroup {
  private constructor(readonly dir: string) {}

  static async create(limitMiB: number): Promise<MemoryCgroup> {
    const own = await readFile('/proc/self/cgroup', 'utf8');
    const v1 = /^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:(.*)$/m.exec(own)?.[1];
    const v2 = /^0::(.*)$/m.exec(own)?.[1];
    const name = `rtmp-bench-${randomBytes(3).toString('hex')}`;
    const bytes = String(limitMiB * 1024 * 1024);
    if (v1 !== undefined && existsSync('/sys/fs/cgroup/memory')) {
      const dir = path.join('/sys/fs/cgroup/memory', v1, name);
      await mkdir(dir);
      await writeFile(path.join(dir, 'memory.limit_in_bytes'), bytes);
      return new MemoryCgroup(dir);
    }
    if (v2 !== undefined && existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      const dir = path.join('/sys/fs/cgroup', v2, name);
      await mkdir(dir);
      await writeFile(path.join(dir, 'memory.max'), bytes);
      return new MemoryCgroup(dir);
    }
    throw new Error('--memory-limit: no writable memory cgroup (needs Linux, root and cgroup v1 memory or v2)');
  }

  /** The command line that joins this cgroup, then execs `command args` (same pid). */
  wrap(command: string, args: readonly string[]): { command: string; args: string[] } {
    return { command: '/bin/sh', args: ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', this.dir, command, ...args] };
  }

  /** Removes the cgroup once its processes have exited. */
  async remove(): Promise<void> {
    await rmdir(this.dir).catch(() => undefined);
  }
}
