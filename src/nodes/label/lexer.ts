/**
 * Tokeniser for label expressions, after Jenkins' LabelExpressionLexer.g4 (hudson.model.labels).
 *
 * An atom is a run of characters other than whitespace and `& | ! ( ) < > "`. A `-` belongs to the
 * atom unless it starts the two-character `->` token, so `linux-x64` is one atom and `a->b` is
 * `a -> b`. Quoted atoms (`"my label"`) take backslash escapes: `\"` and `\\`.
 */
import { LabelSyntaxError } from './syntax-error.js';

export type OperatorKind = 'and' | 'or' | 'not' | 'implies' | 'iff' | 'lparen' | 'rparen';

export type Token =
  | { readonly kind: 'atom'; readonly name: string; readonly column: number; readonly source: string }
  | { readonly kind: OperatorKind; readonly column: number; readonly source: string }
  | { readonly kind: 'end'; readonly column: number; readonly source: '' };

/** Characters that end an unquoted atom. `-` is handled separately (only `->` ends an atom). */
const ATOM_STOP = new Set([' ', '\t', '\n', '\r', '\f', '\v', '&', '|', '!', '(', ')', '<', '>', '"']);

function isWhitespace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

/** True when `c` at `i` of `text` continues an unquoted atom. */
export function continuesAtom(text: string, i: number): boolean {
  const c = text[i];
  if (c === undefined || ATOM_STOP.has(c) || isWhitespace(c)) return false;
  return !(c === '-' && text[i + 1] === '>');
}

/** Reads a double-quoted atom starting at `start` (the opening quote); returns the name and the end. */
export function readQuoted(text: string, start: number): { name: string; end: number } {
  let name = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') return { name, end: i + 1 };
    if (c === '\\' && i + 1 < text.length) {
      name += text[i + 1] as string;
      i += 2;
    } else {
      name += c;
      i += 1;
    }
  }
  throw new LabelSyntaxError(`unterminated quoted label starting at column ${start + 1}`, start + 1);
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const op = (kind: OperatorKind, length: number): void => {
    tokens.push({ kind, column: i + 1, source: text.slice(i, i + length) });
    i += length;
  };
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (isWhitespace(c)) {
      i += 1;
    } else if (c === '(') {
      op('lparen', 1);
    } else if (c === ')') {
      op('rparen', 1);
    } else if (c === '!') {
      op('not', 1);
    } else if (c === '&' && next === '&') {
      op('and', 2);
    } else if (c === '|' && next === '|') {
      op('or', 2);
    } else if (c === '-' && next === '>') {
      op('implies', 2);
    } else if (c === '<' && next === '-' && text[i + 2] === '>') {
      op('iff', 3);
    } else if (c === '&' || c === '|' || c === '<' || c === '>') {
      const hint = c === '&' ? "'&&'" : c === '|' ? "'||'" : c === '<' ? "'<->'" : "'->'";
      throw new LabelSyntaxError(`unexpected '${c}' at column ${i + 1} (did you mean ${hint}?)`, i + 1);
    } else if (c === '"') {
      const { name, end } = readQuoted(text, i);
      if (name === '') throw new LabelSyntaxError(`empty quoted label at column ${i + 1}`, i + 1);
      tokens.push({ kind: 'atom', name, column: i + 1, source: text.slice(i, end) });
      i = end;
    } else {
      const start = i;
      while (continuesAtom(text, i)) i += 1;
      const name = text.slice(start, i);
      tokens.push({ kind: 'atom', name, column: start + 1, source: name });
    }
  }
  tokens.push({ kind: 'end', column: text.length + 1, source: '' });
  return tokens;
}
