// A minimal XML writer for the preview pictures and the index page: every text and attribute value
// goes through escapeXml, so a uid or a watermark text can never break out of its element.

/** Characters XML 1.0 forbids even as references (C0 controls other than tab, LF, CR; lone surrogates). */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(text: string): string {
  return text
    .replace(FORBIDDEN, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Canvas coordinates with at most two decimals, without a trailing `.00`. */
export function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}

export type Attrs = Readonly<Record<string, string | number | undefined>>;

function attrText(attrs: Attrs): string {
  return Object.entries(attrs)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`)
    .join('');
}

/** An element whose children are already-written markup (one per line, for readable diffs; '' is skipped). */
export function el(name: string, attrs: Attrs, ...children: string[]): string {
  children = children.filter((c) => c !== '');
  if (children.length === 0) return `<${name}${attrText(attrs)}/>`;
  return `<${name}${attrText(attrs)}>\n${children.join('\n')}\n</${name}>`;
}

/** An element holding text, escaped. */
export function textEl(name: string, attrs: Attrs, text: string): string {
  return `<${name}${attrText(attrs)}>${escapeXml(text)}</${name}>`;
}
