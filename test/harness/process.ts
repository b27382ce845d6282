// Runs a command-line tool to completion (kubectl, helm): output collected, stdin fed, a hard
// timeout. Free of vitest so the dev command can use it too.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunProcessOptions {
  readonly cwd?: string;
  /** Written to stdin (e.g. a manifest for `apply -f -`). */
  readonly input?: string;
  readonly timeoutMs: number;
}

/** Resolves with the exit code and output whatever the exit code; rejects only if the tool cannot start or times out. */
export function runProcess(executable: string, args: readonly string[], options: RunProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, [...args], { ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${executable} ${args.join(' ')}: timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
    // Tools may exit before reading stdin (they read it only for `-f -`); EPIPE then is no error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** A loopback port that was free a moment ago (for servers that must know their URL up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
