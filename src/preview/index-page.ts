// index.html for a directory of pictures: every task with its name, source file, picture (or the
// line that replaces it), what the picture cannot show and the warnings, for a reviewer of a
// GitOps pull request. Self-contained: no scripts, no fonts or styles from the network.
import { el, textEl } from './svg.js';

export interface IndexEntry {
  /** e.g. `RtmpPushTask media/lobby`. */
  readonly title: string;
  readonly file: string;
  readonly picture?: { readonly src: string; readonly width: number; readonly height: number };
  /** Instead of a picture: a source push or an audio-only mix. */
  readonly line?: string;
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
}

const STYLE = [
  'body { font-family: sans-serif; margin: 2em; color: #222; background: #F4F4F4; }',
  'section { background: #FFF; border: 1px solid #CCC; padding: 1em; margin-bottom: 1.5em; }',
  'h2 { margin: 0 0 0.2em; font-size: 1.2em; }',
  '.file { color: #666; margin: 0 0 0.8em; font-family: monospace; }',
  'img { max-width: 100%; height: auto; border: 1px solid #999; display: block; }',
  '.line { font-family: monospace; background: #EEE; padding: 0.6em; }',
  '.warning { color: #8A4B00; }',
].join('\n');

export function indexPage(entries: readonly IndexEntry[]): string {
  const warnings = entries.reduce((n, e) => n + e.warnings.length, 0);
  const summary = `${entries.length} RtmpPushTask${entries.length === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}. Each picture is the output canvas at its own size, drawn from the spec the operator sends.`;
  const head = el('head', {}, el('meta', { charset: 'utf-8' }), textEl('title', {}, 'Mix layout preview'), textEl('style', {}, STYLE));
  const body = el('body', {}, textEl('h1', {}, 'Mix layout preview'), textEl('p', {}, summary), ...entries.map(section));
  return `<!DOCTYPE html>\n${el('html', { lang: 'en' }, head, body)}\n`;
}

function section(e: IndexEntry): string {
  const shown =
    e.picture === undefined
      ? textEl('p', { class: 'line' }, e.line ?? '')
      : el('a', { href: e.picture.src }, el('img', { src: e.picture.src, width: e.picture.width, height: e.picture.height, alt: `${e.title}: mix layout` }));
  const items = [...e.notes.map((n) => textEl('li', {}, n)), ...e.warnings.map((w) => textEl('li', { class: 'warning' }, `warning: ${w}`))];
  return el('section', {}, textEl('h2', {}, e.title), textEl('p', { class: 'file' }, e.file), shown, ...(items.length === 0 ? [] : [el('ul', {}, ...items)]));
}
