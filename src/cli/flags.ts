// A small declarative flag parser on top of node:util parseArgs. Every flag can also come from an
// environment variable (RTMP_OPERATOR_<FLAG_NAME>), which is how the Helm chart and kustomize
// manifests configure the operator; `--help` text is generated from the same declaration so the
// documentation can never drift from what is parsed.
import { parseArgs } from 'node:util';

export interface FlagSpec {
  /** Long name without dashes, e.g. `kubeconfig`. */
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly description: string;
  readonly default?: string | boolean;
  readonly short?: string;
  /** Accept the flag several times (`-f a -f b`). */
  readonly multiple?: boolean;
  /** Metavar shown in help, e.g. `HOST:PORT`. */
  readonly value?: string;
  /** Set to false for flags that make no sense from the environment (like --help). */
  readonly env?: boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly flags: readonly FlagSpec[];
  /** Extra paragraphs appended to --help (examples, exit codes). */
  readonly details?: string;
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedCommand {
  readonly values: FlagValues;
  readonly positionals: string[];
  readonly help: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function envVarName(flag: string): string {
  return `RTMP_OPERATOR_${flag.replace(/-/g, '_').toUpperCase()}`;
}

const helpFlag: FlagSpec = { name: 'help', type: 'boolean', short: 'h', description: 'Show this help and exit.', env: false };

export function parseCommand(
  spec: CommandSpec,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ParsedCommand {
  const flags = [...spec.flags, helpFlag];
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const f of flags) {
    options[f.name] = {
      type: f.type,
      ...(f.short !== undefined ? { short: f.short } : {}),
      ...(f.multiple === true ? { multiple: true } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${spec.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const values: FlagValues = {};
  for (const f of flags) {
    const given = parsed.values[f.name];
    if (given !== undefined) {
      values[f.name] = Array.isArray(given) ? given.map(String) : given;
      continue;
    }
    const fromEnv = f.env === false ? undefined : env[envVarName(f.name)];
    if (fromEnv !== undefined && fromEnv !== '') {
      values[f.name] = f.type === 'boolean' ? parseBool(f.name, fromEnv) : f.multiple === true ? fromEnv.split(',') : fromEnv;
      continue;
    }
    if (f.default !== undefined) values[f.name] = f.default;
  }
  return { values, positionals: parsed.positionals, help: values['help'] === true };
}

function parseBool(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new UsageError(`${envVarName(name)}: expected true or false, got "${raw}"`);
}

export function formatHelp(spec: CommandSpec): string {
  const lines = [`${spec.summary}`, '', `Usage: ${spec.usage}`, '', 'Flags:'];
  const flags = [...spec.flags, helpFlag];
  const left = flags.map((f) => {
    const short = f.short !== undefined ? `-${f.short}, ` : '    ';
    const value = f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : '';
    return `  ${short}--${f.name}${value}`;
  });
  const width = Math.max(...left.map((l) => l.length)) + 2;
  flags.forEach((f, i) => {
    const extras: string[] = [];
    if (f.default !== undefined && f.default !== '') extras.push(`default ${JSON.stringify(f.default)}`);
    if (f.env !== false) extras.push(`env ${envVarName(f.name)}`);
    const suffix = extras.length > 0 ? ` (${extras.join('; ')})` : '';
    lines.push(`${(left[i] ?? '').padEnd(width)}${f.description}${suffix}`);
  });
  if (spec.details !== undefined) lines.push('', spec.details.trimEnd());
  return `${lines.join('\n')}\n`;
}

/** Typed accessors: a flag's declared type is known from its spec, these narrow the union. */
export function str(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}
export function strs(values: FlagValues, name: string): string[] {
  const v = values[name];
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : [];
}
export function bool(values: FlagValues, name: string): boolean {
  return values[name] === true;
}
export function int(values: FlagValues, name: string, opts: { min?: number; max?: number } = {}): number | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new UsageError(`--${name}: expected an integer, got "${raw}"`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`--${name}: must be >= ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`--${name}: must be <= ${opts.max}, got ${n}`);
  return n;
}
/** Durations are given as Go-style strings (`15s`, `2m`, `500ms`) or plain seconds. */
export function duration(values: FlagValues, name: string): number | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  const ms = parseDurationMs(raw);
  if (ms === undefined) throw new UsageError(`--${name}: expected a duration like 15s, 2m or 500ms, got "${raw}"`);
  return ms;
}
export function parseDurationMs(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (m === null) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(n * factor);
}
