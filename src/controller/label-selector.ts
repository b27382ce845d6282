// Kubernetes label selectors in their string form (`kubectl -l`), for the operator's own flags.
// No maintained npm package parses them (client-node sends selectors to the apiserver as opaque
// strings), and the operator must evaluate one itself: against a Namespace's labels, to decide
// whether its tasks may use the default credentials.
//
// Grammar (apimachinery's labels.Parse, without the numeric `<`/`>` operators, which no
// Kubernetes API that selects objects by label offers either):
//   selector    := "" | requirement ("," requirement)*
//   requirement := "!" key | key | key ("=" | "==" | "!=") value? | key ("in" | "notin") "(" values ")"
// Whitespace between tokens is ignored. Semantics are Kubernetes': `k!=v` and `k notin (..)` also
// match objects without the label; an empty selector matches everything.

export type LabelRequirement =
  | { readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly string[] }
  | { readonly key: string; readonly op: 'exists' | 'doesNotExist' };

export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  /** The selector as given, for messages. */
  readonly source: string;
}

export class LabelSelectorError extends Error {
  override readonly name = 'LabelSelectorError';
}

type Token = { kind: 'word'; text: string; at: number } | { kind: 'op'; text: '!' | '=' | '==' | '!=' | ',' | '(' | ')'; at: number };

const OPERATOR_CHARS = new Set(['!', '=', ',', '(', ')', '<', '>']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] ?? '';
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (c === '<' || c === '>') throw new LabelSelectorError(`"${c}" at ${i + 1}: numeric comparisons are not supported`);
    const two = source.slice(i, i + 2);
    if (two === '==' || two === '!=') {
      tokens.push({ kind: 'op', text: two, at: i });
      i += 2;
      continue;
    }
    if (c === '!' || c === '=' || c === ',' || c === '(' || c === ')') {
      tokens.push({ kind: 'op', text: c, at: i });
      i += 1;
      continue;
    }
    const start = i;
    while (i < source.length && !/\s/.test(source[i] ?? '') && !OPERATOR_CHARS.has(source[i] ?? '')) i += 1;
    tokens.push({ kind: 'word', text: source.slice(start, i), at: start });
  }
  return tokens;
}

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a valid label key (Kubernetes' qualified name), or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return `label key "${key}": the prefix must be a DNS subdomain`;
  if (name.length > 63 || !NAME_PART.test(name)) {
    return `label key "${key}": the name must be 1-63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined. Empty is valid. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME_PART.test(value)) {
    return `label value "${value}": must be at most 63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit`;
  }
  return undefined;
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  parse(): LabelRequirement[] {
    const out: LabelRequirement[] = [];
    if (this.tokens.length === 0) return out;
    for (;;) {
      out.push(this.requirement());
      const next = this.take();
      if (next === undefined) return out;
      if (!isOp(next, ',')) throw this.error(next, 'expected "," between requirements');
    }
  }

  private requirement(): LabelRequirement {
    const first = this.take();
    if (first !== undefined && isOp(first, '!')) return { key: this.key(), op: 'doesNotExist' };
    if (first?.kind !== 'word') throw this.error(first, 'expected a label key');
    const key = checked(labelKeyProblem(first.text), first.text);
    const op = this.peek();
    if (op === undefined || isOp(op, ',')) return { key, op: 'exists' };
    this.i += 1;
    if (isOp(op, '=') || isOp(op, '==') || isOp(op, '!=')) {
      const value = this.optionalValue();
      return { key, op: isOp(op, '!=') ? 'notin' : 'in', values: [value] };
    }
    if (op.kind === 'word' && (op.text === 'in' || op.text === 'notin')) {
      const values = this.valueSet();
      if (values.length === 0) throw this.error(op, `"${op.text}" needs at least one value`);
      return { key, op: op.text, values };
    }
    throw this.error(op, 'expected =, ==, !=, in or notin after the key');
  }

  private key(): string {
    const t = this.take();
    if (t?.kind !== 'word') throw this.error(t, 'expected a label key after "!"');
    return checked(labelKeyProblem(t.text), t.text);
  }

  /** A value after `=`: a word, or nothing (the empty value) before "," or the end. */
  private optionalValue(): string {
    const t = this.peek();
    if (t === undefined || isOp(t, ',')) return '';
    if (t.kind !== 'word') throw this.error(t, 'expected a label value');
    this.i += 1;
    return checked(labelValueProblem(t.text), t.text);
  }

  /** `( v1, v2 )`; a missing value between commas is the empty value, as in Kubernetes. */
  private valueSet(): string[] {
    const open = this.take();
    if (open === undefined || !isOp(open, '(')) throw this.error(open, 'expected "(" after in/notin');
    const values: string[] = [];
    if (this.peek() !== undefined && isOp(this.peek()!, ')')) {
      this.i += 1;
      return values;
    }
    for (;;) {
      const t = this.peek();
      if (t?.kind === 'word') {
        this.i += 1;
        values.push(checked(labelValueProblem(t.text), t.text));
      } else {
        values.push('');
      }
      const sep = this.take();
      if (sep !== undefined && isOp(sep, ')')) return [...new Set(values)];
      if (sep === undefined || !isOp(sep, ',')) throw this.error(sep, 'expected "," or ")" in the value list');
    }
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private take(): Token | undefined {
    const t = this.tokens[this.i];
    if (t !== undefined) this.i += 1;
    return t;
  }

  private error(at: Token | undefined, what: string): LabelSelectorError {
    return new LabelSelectorError(at === undefined ? `${what}, got the end of "${this.source}"` : `${what}, got "${at.text}" at ${at.at + 1}`);
  }
}

function isOp(t: Token, text: string): boolean {
  return t.kind === 'op' && t.text === text;
}

function checked(problem: string | undefined, text: string): string {
  if (problem !== undefined) throw new LabelSelectorError(problem);
  return text;
}

/** Parses a selector string; throws LabelSelectorError saying what is wrong and where. */
export function parseLabelSelector(source: string): LabelSelector {
  return { requirements: new Parser(tokenize(source), source).parse(), source };
}

/** Whether `labels` satisfy every requirement (an empty selector matches everything). */
export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return selector.requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    switch (r.op) {
      case 'exists':
        return has;
      case 'doesNotExist':
        return !has;
      case 'in':
        return has && value !== undefined && r.values.includes(value);
      case 'notin':
        return !has || value === undefined || !r.values.includes(value);
    }
  });
}

/** True for a selector that selects everything. */
export function isEverything(selector: LabelSelector): boolean {
  return selector.requirements.length === 0;
}
