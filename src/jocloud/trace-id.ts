// The vendor asks for a unique traceId per request and suggests "server address + time + sequence +
// process id". Ours: `<host>-<UTC yyyymmddHHMMSSmmm>-<seq>-<pid>`, only URL-unreserved characters,
// so it goes into the query string unescaped and is greppable in both our logs and the vendor's.
import { hostname } from 'node:os';

export interface TraceIdSource {
  readonly host?: string;
  readonly pid?: number;
  readonly now?: () => Date;
}

export type TraceIdGenerator = () => string;

const SEQUENCE_MODULUS = 1_000_000;

export function createTraceIdGenerator(source: TraceIdSource = {}): TraceIdGenerator {
  const host = sanitizeHost(source.host ?? hostname());
  const pid = source.pid ?? process.pid;
  const now = source.now ?? (() => new Date());
  // Start at a random point so two generators in one process (or a restarted pod reusing a pid in
  // the same millisecond) do not walk the same sequence.
  let seq = Math.floor(Math.random() * SEQUENCE_MODULUS);
  return () => {
    seq = (seq + 1) % SEQUENCE_MODULUS;
    return `${host}-${compactUtc(now())}-${String(seq).padStart(6, '0')}-${pid}`;
  };
}

function sanitizeHost(host: string): string {
  const cleaned = host.replace(/[^A-Za-z0-9]/g, '').slice(0, 24);
  return cleaned === '' ? 'host' : cleaned;
}

function compactUtc(d: Date): string {
  return d.toISOString().replace(/[-:T.Z]/g, '');
}
