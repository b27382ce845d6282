// Long-running child processes of the test control plane (etcd, kube-apiserver,
// kube-controller-manager): started with their output in a log file, waited for with a probe,
// stopped with SIGTERM then SIGKILL, and killed if this process exits without stopping them.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants as fsConstants, openSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';

/** Children still running, killed if the test process exits without calling stop(). */
const liveChildren = new Set<ChildProcess>();
export const liveDirs = new Set<string>();
let exitHandlerInstalled = false;

export function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL and a synchronous rm are all we can do.
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  });
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function spawnLogged(command: string, args: string[], logFile: string): ChildProcess {
  installExitHandler();
  // The child writes straight into the file: no pipe for this process to drain.
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
    liveChildren.add(child);
    child.once('exit', () => liveChildren.delete(child));
    // A spawn failure (ENOENT, EACCES) arrives as an event; record it and let the
    // readiness wait report it with the log tail.
    child.once('error', (error) => {
      liveChildren.delete(child);
      process.stderr.write(`[control-plane] ${path.basename(command)}: ${error.message}\n`);
    });
    return child;
  } finally {
    closeSync(fd);
  }
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || !liveChildren.has(child);
}

export async function terminate(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  child.kill('SIGTERM');
  if (await exitedWithin(child, 10_000)) return;
  child.kill('SIGKILL');
  await exitedWithin(child, 5_000);
}

function exitedWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

export async function waitUntil(
  what: string,
  timeoutMs: number,
  mustStayAlive: ChildProcess[],
  logTails: () => Promise<string>,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = mustStayAlive.find(hasExited);
    if (dead) {
      throw new Error(
        `${what}: ${path.basename(dead.spawnfile)} exited (code ${dead.exitCode ?? 'none'}, signal ${dead.signalCode ?? 'none'}) during startup\n${await logTails()}`,
      );
    }
    let lastError: string;
    try {
      if (await probe()) return;
      lastError = 'not ready yet';
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not ready after ${timeoutMs / 1000} s (last: ${lastError})\n${await logTails()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function tail(file: string, lines = 40): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Distinct free loopback ports: all listeners are held open until every port is known. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const srv = createServer();
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve(srv));
        }),
    ),
  );
  const ports = servers.map((srv) => {
    const address = srv.address();
    if (address === null || typeof address === 'string') throw new Error('unexpected server address');
    return address.port;
  });
  await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  return ports;
}

function runCapture(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** Where scripts/provision-control-plane.sh leaves its binaries (same default as the script). */
export function cacheBinDir(): string {
  const cacheRoot = process.env.RTMP_OPERATOR_CACHE || path.join(homedir(), '.cache', 'rtmp-push-operator');
  return path.join(cacheRoot, 'control-plane', 'bin');
}

export async function helpMentions(binary: string, flag: string): Promise<boolean> {
  const { output } = await runCapture(binary, ['--help']);
  return output.includes(flag);
}

/** The minor version from `kube-apiserver --version` ("Kubernetes v1.20.2"), if it parses. */
export async function kubernetesMinor(binary: string): Promise<number | undefined> {
  const { output } = await runCapture(binary, ['--version']);
  const match = /v1\.(\d+)\./.exec(output);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** GET over TLS without verifying the (self-signed) certificate; the status, or a rejection. */
export function httpsGetStatus(url: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // The serving certificate is self-signed by the apiserver at startup.
    const req = httpsRequest(
      url,
      { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2_000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}
