// Checks for the PromQL in the alert rules and the Grafana dashboard: promtool (from Debian's
// prometheus package, see scripts/promtool.sh) parses and unit-tests rules, and metricNames()
// lists the series an expression reads, to hold them against what the operator exports.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { runProcess, type ProcessResult } from './process.js';

const PROMTOOL_SCRIPT = fileURLToPath(new URL('../../scripts/promtool.sh', import.meta.url));
let binary: Promise<string> | undefined;

/** Absolute path of promtool ($PROMTOOL wins), extracted once by scripts/promtool.sh. */
export function promtoolBinary(): Promise<string> {
  if (process.env.PROMTOOL) return Promise.resolve(process.env.PROMTOOL);
  binary ??= promisify(execFile)('bash', [PROMTOOL_SCRIPT], { maxBuffer: 1 << 20 }).then(
    ({ stdout }) => {
      const last = stdout.trim().split('\n').at(-1);
      if (last === undefined || last === '') throw new Error(`${PROMTOOL_SCRIPT} printed no path`);
      return last;
    },
    (error: unknown) => {
      binary = undefined;
      throw new Error(`no promtool: ${PROMTOOL_SCRIPT} failed (it needs Debian's archive)`, { cause: error });
    },
  );
  return binary;
}

/** Runs promtool in a fresh directory holding `files` (name → content). */
export async function promtool(args: readonly string[], files: Readonly<Record<string, unknown>>): Promise<ProcessResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'promtool-'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), typeof content === 'string' ? content : stringify(content));
  }
  return runProcess(await promtoolBinary(), args, { cwd: dir, timeoutMs: 60_000 });
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names an expression selects. Label matchers, ranges, strings and grouping clauses
 * are removed first; what remains that is neither a function (followed by "(") nor a keyword is
 * a metric name.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.$])([A-Za-z_:][\w:]*)(?!\w)(\s*\()?/g)) {
    const [, name, call] = m;
    if (name === undefined || call !== undefined || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names].sort();
}

/** Label matchers of every selector of `metric` in `expr`, as written (e.g. `job="x", code!="0"`). */
export function selectorsOf(expr: string, metric: string): string[] {
  const re = new RegExp(`(?<![\\w:])${metric}\\s*\\{([^}]*)\\}`, 'g');
  return [...expr.matchAll(re)].map((m) => m[1] ?? '');
}
