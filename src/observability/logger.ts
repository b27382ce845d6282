// The one root pino logger. Everything else takes a child of it. Redaction is configured here, once,
// so no call site can forget it: credential-bearing fields are censored wherever they appear.
import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/** Field paths censored in every log line (pino redact syntax). */
export const redactedPaths: readonly string[] = [
  'restfulSecret',
  '*.restfulSecret',
  'restfulId',
  '*.restfulId',
  'token',
  '*.token',
  'headers.token',
  'req.headers.token',
  'req.headers.authorization',
  'authorization',
  '*.authorization',
  'callbackToken',
  '*.callbackToken',
];

export interface LoggerOptions {
  readonly level?: LevelWithSilent;
  /** Where lines go; defaults to stderr so stdout stays free for command output (tables, YAML). */
  readonly destination?: pino.DestinationStream;
}

export function createRootLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { app: 'rtmp-push-operator' },
      redact: { paths: [...redactedPaths], censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
