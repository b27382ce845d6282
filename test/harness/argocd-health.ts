// Runs an Argo CD health check (Lua) the way Argo CD does: the object is the global `obj`, the
// script returns {status, message}, and there is no os/io. Argo CD embeds gopher-lua, a Lua 5.1:
// the script runs under Debian's lua5.1 and lua5.4, which must agree, and lua51Problems() refuses
// syntax and library calls newer than 5.1 even on paths no test object takes.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './helm.js';
import { runProcess } from './process.js';

/** The RtmpPushTask check, laid out like Argo CD's resource_customizations. */
export const HEALTH_CHECK_DIR = path.join(REPO_ROOT, 'config/argocd/rtmp.jocloud.com/RtmpPushTask');
export const HEALTH_SCRIPT = path.join(HEALTH_CHECK_DIR, 'health.lua');

export const ARGO_HEALTH_STATUSES = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'] as const;
export type ArgoHealthStatus = (typeof ARGO_HEALTH_STATUSES)[number];

export interface ArgoHealth {
  readonly status: ArgoHealthStatus;
  readonly message: string;
}

/** Both must be installed (.ci/run does it): 5.1 is what Argo CD runs, 5.4 catches 5.1-only luck. */
export const LUA_INTERPRETERS = ['lua5.1', 'lua5.4'] as const;

/** A JSON value as a Lua table constructor, as Argo CD converts objects (arrays 1-based, null dropped). */
export function toLuaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return luaString(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`toLuaLiteral: ${value} has no JSON form`);
    return String(value);
  }
  if (Array.isArray(value)) return `{${value.map((v) => toLuaLiteral(v)).join(', ')}}`;
  if (typeof value === 'object') {
    const fields = Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `[${luaString(k)}] = ${toLuaLiteral(v)}`);
    return `{${fields.join(', ')}}`;
  }
  throw new Error(`toLuaLiteral: cannot convert a ${typeof value}`);
}

/** A Lua string literal valid in 5.1 and later: control bytes as three-digit decimal escapes. */
function luaString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code < 32 || code === 127) out += `\\${String(code).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Lua newer than 5.1, or libraries Argo CD does not open, found in `source` outside comments and
 * strings (escapes are checked inside strings). Empty when the script is plain Lua 5.1.
 */
export function lua51Problems(source: string): string[] {
  const { code, strings } = splitLua(source);
  const problems: string[] = [];
  const codeRules: Array<[RegExp, string]> = [
    [/\bgoto\b|::\s*[A-Za-z_]\w*\s*::/, 'goto and labels are Lua 5.2'],
    [/\/\//, 'integer division // is Lua 5.3'],
    [/&|\||<<|>>|~(?!=)/, 'bitwise operators are Lua 5.3'],
    [/<\s*(const|close)\s*>/, 'variable attributes are Lua 5.4'],
    [/\b_ENV\b/, '_ENV is Lua 5.2'],
    [/\butf8\s*\./, 'the utf8 library is Lua 5.3'],
    [/\btable\s*\.\s*(unpack|pack|move)\b/, 'table.unpack/pack/move are Lua 5.2+ (5.1 has unpack)'],
    [/\bstring\s*\.\s*(pack|unpack|packsize)\b/, 'string.pack is Lua 5.3'],
    [/\bmath\s*\.\s*(type|tointeger|ult|maxinteger|mininteger)\b/, 'integer math is Lua 5.3'],
    [/\b(rawlen|warn)\s*\(/, 'rawlen/warn are Lua 5.2+'],
    [/\b(os|io|debug|package)\s*\.|\brequire\b|\bdofile\b|\bloadfile\b/, 'Argo CD opens no os, io, debug or package library'],
    [/0[xX][0-9a-fA-F]*\.|0[xX][0-9a-fA-F]+[pP]/, 'hexadecimal floats are Lua 5.2'],
  ];
  for (const [re, why] of codeRules) if (re.test(code)) problems.push(why);
  if (strings.some((s) => /\\(x[0-9a-fA-F]|z|u\{)/.test(s))) problems.push('\\x, \\z and \\u{} string escapes are Lua 5.2+');
  return problems;
}

/** Code with comments and string literals blanked, and the raw string literals. */
function splitLua(source: string): { code: string; strings: string[] } {
  let code = '';
  const strings: string[] = [];
  let i = 0;
  const longBracket = (at: number): number => {
    const m = /^\[(=*)\[/.exec(source.slice(at));
    return m?.[1] === undefined ? -1 : m[1].length;
  };
  const skipLong = (at: number, level: number): number => {
    const close = `]${'='.repeat(level)}]`;
    const end = source.indexOf(close, at + level + 2);
    return end === -1 ? source.length : end + close.length;
  };
  while (i < source.length) {
    const c = source[i];
    if (source.startsWith('--', i)) {
      const level = longBracket(i + 2);
      if (level >= 0) i = skipLong(i + 2, level);
      else {
        const nl = source.indexOf('\n', i);
        i = nl === -1 ? source.length : nl;
      }
      code += ' ';
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      strings.push(source.slice(i, j + 1));
      code += ' "" ';
      i = j + 1;
    } else if (c === '[' && longBracket(i) >= 0) {
      const end = skipLong(i, longBracket(i));
      strings.push(source.slice(i, end));
      code += ' "" ';
      i = end;
    } else {
      code += c;
      i += 1;
    }
  }
  return { code, strings };
}

const STATUS_LINE = '@@health-status@@';

/** The program fed to the interpreter: Argo CD's environment, then the script, then its result. */
function program(scriptPath: string, obj: unknown): string {
  return [
    'local run = dofile',
    `obj = ${toLuaLiteral(obj)}`,
    // What Argo CD's Lua VM does not offer; a script using them fails here as it would there.
    'os, io, debug, package, require, dofile, loadfile = nil, nil, nil, nil, nil, nil, nil',
    `local hs = run(${luaString(scriptPath)})`,
    'if type(hs) ~= "table" then error("the health script returned " .. type(hs) .. ", not a table") end',
    `print("${STATUS_LINE}" .. tostring(hs.status))`,
    'if hs.message ~= nil then print(tostring(hs.message)) end',
  ].join('\n');
}

/** Runs the check under one interpreter. Rejects if the interpreter is missing or the script fails. */
export async function runHealthScript(interpreter: string, obj: unknown, scriptPath = HEALTH_SCRIPT): Promise<ArgoHealth> {
  let result;
  try {
    result = await runProcess(interpreter, ['-'], { input: program(scriptPath, obj), timeoutMs: 10_000 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${interpreter} is not installed: run \`apt-get install -y lua5.1 lua5.4\` (.ci/run does)`, { cause: err });
    }
    throw err;
  }
  if (result.code !== 0) throw new Error(`${interpreter} ${path.basename(scriptPath)} failed (exit ${result.code}): ${result.stderr.trim()}`);
  const at = result.stdout.lastIndexOf(STATUS_LINE);
  if (at === -1) throw new Error(`${interpreter}: no status printed; stdout: ${result.stdout}`);
  const [statusLine = '', ...rest] = result.stdout.slice(at + STATUS_LINE.length).split('\n');
  const status = ARGO_HEALTH_STATUSES.find((s) => s === statusLine);
  if (status === undefined) throw new Error(`${interpreter}: "${statusLine}" is not an Argo CD health status`);
  return { status, message: rest.join('\n').replace(/\n$/, '') };
}

/** Argo CD's verdict on `obj`: the same under Lua 5.1 and 5.4, from a script that is plain 5.1. */
export async function argoHealth(obj: unknown, scriptPath = HEALTH_SCRIPT): Promise<ArgoHealth> {
  const problems = lua51Problems(readFileSync(scriptPath, 'utf8'));
  if (problems.length > 0) throw new Error(`${scriptPath} is not plain Lua 5.1: ${problems.join('; ')}`);
  const [first, ...others] = await Promise.all(LUA_INTERPRETERS.map((lua) => runHealthScript(lua, obj, scriptPath)));
  if (first === undefined) throw new Error('no Lua interpreter configured');
  for (const [i, other] of others.entries()) {
    if (other.status !== first.status || other.message !== first.message) {
      throw new Error(`${LUA_INTERPRETERS[0]} and ${LUA_INTERPRETERS[i + 1]} disagree: ${JSON.stringify(first)} vs ${JSON.stringify(other)}`);
    }
  }
  return first;
}

export interface HealthTestCase {
  readonly inputPath: string;
  readonly healthStatus: { readonly status: string; readonly message?: string };
}

/** The cases of health_test.yaml (upstream's format). */
export function healthTestCases(dir = HEALTH_CHECK_DIR): HealthTestCase[] {
  const doc = parse(readFileSync(path.join(dir, 'health_test.yaml'), 'utf8')) as { tests?: HealthTestCase[] } | null;
  return doc?.tests ?? [];
}

/** A testdata object by file name (relative to the check's directory, as inputPath is). */
export function healthTestObject(inputPath: string, dir = HEALTH_CHECK_DIR): Record<string, unknown> {
  return parse(readFileSync(path.join(dir, inputPath), 'utf8')) as Record<string, unknown>;
}

/** Every file under testdata/, as inputPath values. */
export function healthTestdataFiles(dir = HEALTH_CHECK_DIR): string[] {
  return readdirSync(path.join(dir, 'testdata'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `testdata/${f}`)
    .sort();
}
