// Flags of `rtmp-push-operator run` that configure the callback endpoint and the callback writer,
// for the run command to include in its spec, and their resolution into the callback side's
// settings (flags live with the CLI; the callback side only knows its settings).
import { readFileSync } from 'node:fs';
import type { CallbackSettings } from '../callback/settings.js';
import { bool, duration, str, UsageError, type FlagSpec, type FlagValues } from './flags.js';
import { parseListenAddress } from '../observability/health-server.js';

export const callbackFlags: readonly FlagSpec[] = [
  {
    name: 'callback-addr',
    type: 'string',
    value: 'HOST:PORT',
    default: ':8082',
    description: 'Address of the push-status callback endpoint (POST /jocloud/callback), served on every replica.',
  },
  {
    name: 'callback-token',
    type: 'string',
    value: 'TOKEN',
    description:
      'Shared token the vendor presents as ?token=TOKEN in the callback URL (or Authorization: Bearer TOKEN). Prefer --callback-token-file or the env var over the command line.',
  },
  {
    name: 'callback-token-file',
    type: 'string',
    value: 'PATH',
    description: 'File holding the callback token (surrounding whitespace ignored); e.g. a mounted Secret.',
  },
  {
    name: 'callback-allow-unauthenticated',
    type: 'boolean',
    default: false,
    description:
      'Serve the callback endpoint without a token. The vendor signs no callback, so anyone reaching the endpoint could forge push states: only behind a gateway that authenticates.',
  },
  {
    name: 'status-refresh-interval',
    type: 'string',
    value: 'DURATION',
    default: '60s',
    description:
      'While an address keeps reporting the same state, rewrite its lastCallbackTime in status at most this often. Also the longest a push report or Event waits while reconciles wait for a worker (a 3003 never waits).',
  },
  {
    name: 'callback-stale-after',
    type: 'string',
    value: 'DURATION',
    default: '5m',
    description: 'Without a callback from an address for this long, the Streaming condition turns Unknown (CallbacksStale).',
  },
];


export function resolveCallbackSettings(values: FlagValues, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): CallbackSettings {
  const addr = str(values, 'callback-addr') ?? ':8082';
  try {
    parseListenAddress(addr);
  } catch (error) {
    throw new UsageError(`--callback-addr: ${error instanceof Error ? error.message : String(error)}`);
  }
  const inline = str(values, 'callback-token');
  const file = str(values, 'callback-token-file');
  if (inline !== undefined && inline !== '' && file !== undefined && file !== '') {
    throw new UsageError('--callback-token and --callback-token-file: give one, not both');
  }
  let token = inline === '' ? undefined : inline;
  if (file !== undefined && file !== '') {
    try {
      token = readFile(file).trim();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new UsageError(`--callback-token-file: cannot read ${file}${typeof code === 'string' ? ` (${code})` : ''}`);
    }
    if (token === '') throw new UsageError(`--callback-token-file: ${file} is empty`);
  }
  const allowUnauthenticated = bool(values, 'callback-allow-unauthenticated');
  if (token === undefined && !allowUnauthenticated) {
    throw new UsageError(
      'the callback endpoint needs --callback-token or --callback-token-file (or --callback-allow-unauthenticated behind an authenticating gateway)',
    );
  }
  const refreshMs = positive(values, 'status-refresh-interval', 60_000);
  const staleMs = positive(values, 'callback-stale-after', 300_000);
  if (staleMs <= refreshMs) {
    throw new UsageError(
      `--callback-stale-after (${staleMs} ms) must be longer than --status-refresh-interval (${refreshMs} ms): lastCallbackTime is only rewritten that often, so a shorter window reports healthy streams as stale`,
    );
  }
  return { addr, token, allowUnauthenticated, refreshMs, staleMs };
}

function positive(values: FlagValues, name: string, fallback: number): number {
  const ms = duration(values, name) ?? fallback;
  if (ms <= 0) throw new UsageError(`--${name}: must be longer than 0`);
  return ms;
}
