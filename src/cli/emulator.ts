// `rtmp-push-operator emulator`: a local stand-in for the vendor's push-to-CDN API (startrtmp /
// stoprtmp with the page's rules and codes, push-status callbacks, a control API for tests).
import type { LevelWithSilent } from 'pino';
import { devAccount, parseAccountFlag, type Account } from '../emulator/accounts.js';
import { faultSpecSchema, type FaultSpec } from '../emulator/control-api.js';
import { startEmulator } from '../emulator/server.js';
import { DEFAULT_PATH_PREFIX } from '../jocloud/endpoint.js';
import { parseVendorJson } from '../jocloud/json.js';
import { createRootLogger } from '../observability/logger.js';
import { redactUrl } from '../observability/redact.js';
import type { CliIo, Command } from './command.js';
import { duration, str, strs, UsageError, type CommandSpec, type ParsedCommand } from './flags.js';

const spec: CommandSpec = {
  name: 'emulator',
  summary: 'Run a local emulator of the jocloud push-to-CDN API (startrtmp/stoprtmp, callbacks, fault injection).',
  usage: 'rtmp-push-operator emulator [--listen HOST:PORT] [--account APPID:ID:SECRET]... [--callback-url URL]',
  flags: [
    { name: 'listen', type: 'string', value: 'HOST:PORT', default: '127.0.0.1:9090', description: 'Address to listen on (port 0 picks a free one).' },
    {
      name: 'account',
      type: 'string',
      multiple: true,
      value: 'APPID:ID:SECRET',
      description: `Accepted credentials for an appid; repeatable. Without any, the dev account ${devAccount.appid}:${devAccount.restfulId}:${devAccount.restfulSecret} is used.`,
    },
    { name: 'callback-url', type: 'string', value: 'URL', description: 'Where push-status callbacks are POSTed (the operator\'s callback endpoint, token in its query if needed).' },
    { name: 'callback-interval', type: 'string', value: 'DURATION', default: '10s', description: 'Period of the repeated 3000-3002 callbacks for each pushing address.' },
    { name: 'path-prefix', type: 'string', value: 'PREFIX', default: DEFAULT_PATH_PREFIX, description: 'Path between /app/{appid}/ and startrtmp|stoprtmp (v1/recordoss is accepted as well).' },
    { name: 'base-path', type: 'string', value: 'PATH', default: '', description: 'Path before /app, e.g. /jocloud, to test an endpoint with a path.' },
    { name: 'log-level', type: 'string', value: 'LEVEL', default: 'info', description: 'trace, debug, info, warn, error, fatal or silent.' },
    {
      name: 'fault',
      type: 'string',
      multiple: true,
      value: 'JSON',
      env: false,
      description: 'A fault in place from the start, as POSTed to /_emulator/faults; repeatable. E.g. {"endpoint":"startrtmp","rate":0.2,"carryOut":true,"reset":true}.',
    },
  ],
  details: [
    'Vendor routes: POST {base-path}/app/{appid}/{path-prefix}/startrtmp|stoprtmp?traceId=...',
    'Control routes (JSON): GET /_emulator/tasks, GET|DELETE /_emulator/calls, GET|POST|DELETE /_emulator/faults,',
    '  POST /_emulator/destinations, GET|POST /_emulator/callbacks, POST /_emulator/tick, POST /_emulator/reset, GET /_emulator/healthz.',
    'Faults (--fault or POST /_emulator/faults): code, httpStatus, latencyMs, hang or reset, for an endpoint, at a rate,',
    '  for a count of calls, for calls naming a roomid/taskid/uid or instance; with carryOut the call is carried out',
    '  first, so the answer is lost (reset), late (latencyMs), never sent (hang) or a failure code although it worked.',
    '',
    'Prints the base URL on stdout once listening; logs JSON on stderr. SIGINT or SIGTERM stops it (exit 0).',
  ].join('\n'),
};

const levels: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export interface EmulatorSettings {
  readonly host: string;
  readonly port: number;
  readonly accounts: readonly Account[];
  readonly callbackUrl: string | undefined;
  readonly callbackIntervalMs: number;
  readonly pathPrefix: string;
  readonly basePath: string;
  readonly logLevel: LevelWithSilent;
  readonly faults: readonly FaultSpec[];
}

export function emulatorSettings(args: ParsedCommand): EmulatorSettings {
  const { values } = args;
  const listen = str(values, 'listen') ?? '127.0.0.1:9090';
  const colon = listen.lastIndexOf(':');
  const port = Number(listen.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--listen: expected HOST:PORT, got "${listen}"`);
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const accounts = strs(values, 'account').map((raw) => {
    try {
      return parseAccountFlag(raw);
    } catch (err) {
      // Never echo the value: it holds a secret.
      throw new UsageError(`--account: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  const callbackUrl = str(values, 'callback-url');
  if (callbackUrl !== undefined && callbackUrl !== '' && !/^https?:\/\//.test(callbackUrl)) {
    throw new UsageError(`--callback-url: expected an http(s) URL, got "${redactUrl(callbackUrl)}"`);
  }
  const callbackIntervalMs = duration(values, 'callback-interval') ?? 10_000;
  if (callbackIntervalMs < 10) throw new UsageError('--callback-interval: must be at least 10ms');
  const logLevel = str(values, 'log-level') ?? 'info';
  if (!levels.includes(logLevel)) throw new UsageError(`--log-level: expected one of ${levels.join(', ')}, got "${logLevel}"`);
  return {
    host,
    port,
    accounts,
    callbackUrl: callbackUrl === '' ? undefined : callbackUrl,
    callbackIntervalMs,
    pathPrefix: str(values, 'path-prefix') ?? DEFAULT_PATH_PREFIX,
    basePath: str(values, 'base-path') ?? '',
    logLevel: logLevel as LevelWithSilent,
    faults: strs(values, 'fault').map(parseFaultFlag),
  };
}

function parseFaultFlag(raw: string): FaultSpec {
  let value: unknown;
  try {
    value = parseVendorJson(raw);
  } catch {
    throw new UsageError(`--fault: not JSON: ${raw}`);
  }
  const r = faultSpecSchema.safeParse(value);
  if (!r.success) throw new UsageError(`--fault: ${r.error.issues.map((i) => `${i.path.map(String).join('.') || '(fault)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** Runs until `stop` aborts; the command wires it to SIGINT/SIGTERM, tests to a controller. */
export async function runEmulator(settings: EmulatorSettings, io: CliIo, stop: AbortSignal): Promise<number> {
  const logger = createRootLogger({ level: settings.logLevel }).child({ component: 'emulator' });
  const running = await startEmulator({
    host: settings.host,
    port: settings.port,
    accounts: settings.accounts,
    callbackUrl: settings.callbackUrl,
    callbackIntervalMs: settings.callbackIntervalMs,
    pathPrefix: settings.pathPrefix,
    basePath: settings.basePath,
    faults: settings.faults,
    logger,
  });
  if (settings.accounts.length === 0) {
    // A local dev tool with a hard-coded, documented account: showing it helps and hides nothing.
    logger.info({ appid: devAccount.appid, devRestfulId: devAccount.restfulId, devRestfulSecret: devAccount.restfulSecret }, 'no --account given: using the dev account');
  }
  io.stdout.write(`${running.url}\n`);
  if (!stop.aborted) await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
  logger.info('shutting down');
  await running.close();
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  return 0;
}

export const emulatorCommand: Command = {
  spec,
  async run(args: ParsedCommand, io: CliIo): Promise<number> {
    const settings = emulatorSettings(args);
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      return await runEmulator(settings, io, stop.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
