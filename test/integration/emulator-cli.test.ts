// `rtmp-push-operator emulator` as a process: prints its URL, serves the vendor API, and exits 0 on
// SIGTERM/SIGINT. Runs the command module directly (the registry in src/cli/commands.ts is the lead's).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { emulatorSettings, emulatorCommand } from '../../src/cli/emulator.js';
import { parseCommand, UsageError } from '../../src/cli/flags.js';
import { vendorSampleStartRequest } from '../fixtures/vendor-rules.js';
import { EmulatorControl } from '../../src/emulator/control-client.js';
import { JocloudClient } from '../../src/jocloud/client.js';
import { eventually } from '../support/eventually.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

// Mirrors src/main.ts for this one command: usage errors exit 2, a clean shutdown 0.
const entry = `
import { emulatorCommand } from './src/cli/emulator.ts';
import { parseCommand, UsageError } from './src/cli/flags.ts';
const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
try {
  process.exitCode = await emulatorCommand.run(parseCommand(emulatorCommand.spec, process.argv.slice(1), process.env), io);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(err.message + '\\n');
  process.exitCode = 2;
}
`;

type Child = ChildProcessByStdio<null, Readable, Readable>;
const children: Child[] = [];

function launch(args: string[], env: NodeJS.ProcessEnv = {}): { child: Child; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, '--', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  return { child, stdout: () => out, stderr: () => err };
}


async function exitCode(child: Child): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('emulator command', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('serves the vendor API and exits 0 on %s', async (signal) => {
    const { child, stdout, stderr } = launch(['--listen', '127.0.0.1:0', '--account', '1470236061:cli-id:cli-secret-value', '--log-level', 'debug']);
    const url = await eventually('the URL on stdout', () => /^(http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout())?.[1]);
    const control = new EmulatorControl(url);
    const client = new JocloudClient({ endpoint: url });
    try {
      expect(await control.healthz()).toBe(true);
      const result = await client.startRtmp(vendorSampleStartRequest, { restfulId: 'cli-id', restfulSecret: 'cli-secret-value' });
      expect(result.code).toBe(0);
      expect(await control.tasks()).toHaveLength(1);
    } finally {
      await client.close();
      await control.close();
    }
    child.kill(signal);
    expect(await exitCode(child)).toBe(0);
    const lines = stderr().trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(stderr()).toContain('"msg":"emulator listening"');
    expect(stderr()).toContain('"msg":"shutting down"');
    expect(stderr()).not.toContain('cli-secret-value');
  });

  it('takes its flags from RTMP_OPERATOR_* variables too', async () => {
    const { child, stdout } = launch([], { RTMP_OPERATOR_LISTEN: '127.0.0.1:0', RTMP_OPERATOR_BASE_PATH: '/jocloud', RTMP_OPERATOR_LOG_LEVEL: 'silent' });
    const url = await eventually('the URL on stdout', () => /^(http:\/\/127\.0\.0\.1:\d+\/jocloud)\n/.exec(stdout())?.[1]);
    expect(url).toMatch(/\/jocloud$/);
    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
  });

  it('exits 2 on a malformed --account without echoing it', async () => {
    const { child, stderr } = launch(['--account', 'not-a-number:id:very-secret']);
    expect(await exitCode(child)).toBe(2);
    expect(stderr()).toContain('--account');
    expect(stderr()).not.toContain('very-secret');
  });
});

describe('emulator flags', () => {
  const settings = (argv: string[], env: NodeJS.ProcessEnv = {}) => emulatorSettings(parseCommand(emulatorCommand.spec, argv, env));

  it('has the documented defaults', () => {
    expect(settings([])).toEqual({
      host: '127.0.0.1',
      port: 9090,
      accounts: [],
      callbackUrl: undefined,
      callbackIntervalMs: 10_000,
      pathPrefix: 'v2/rtmpforward',
      basePath: '',
      logLevel: 'info',
      faults: [],
    });
  });

  it('reads repeated faults as JSON', () => {
    const s = settings(['--fault', '{"endpoint":"startrtmp","rate":0.2,"carryOut":true,"reset":true}', '--fault', '{"code":2104,"rate":0.1}']);
    expect(s.faults).toEqual([
      { endpoint: 'startrtmp', rate: 0.2, carryOut: true, reset: true },
      { code: 2104, rate: 0.1 },
    ]);
  });

  it('reads repeated accounts, an IPv6 listen address and a duration', () => {
    const s = settings(['--listen', '[::1]:0', '--account', '1:a:b', '--account', '18446744073709551615:c:d:e', '--callback-interval', '500ms']);
    expect(s).toMatchObject({ host: '::1', port: 0, callbackIntervalMs: 500 });
    expect(s.accounts).toEqual([
      { appid: '1', restfulId: 'a', restfulSecret: 'b' },
      { appid: '18446744073709551615', restfulId: 'c', restfulSecret: 'd:e' },
    ]);
  });

  it.each([
    ['a listen address without port', ['--listen', 'localhost']],
    ['a port out of range', ['--listen', '127.0.0.1:70000']],
    ['a callback URL that is not http', ['--callback-url', 'ftp://x']],
    ['an unknown log level', ['--log-level', 'loud']],
    ['a bad duration', ['--callback-interval', 'soon']],
    ['a fault that is not JSON', ['--fault', 'reset']],
    ['a fault without an effect', ['--fault', '{"carryOut":true}']],
  ])('rejects %s', (_reason, argv) => {
    expect(() => settings(argv)).toThrow(UsageError);
  });
});
