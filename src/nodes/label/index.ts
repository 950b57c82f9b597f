/**
 * Labels and label expressions, after Jenkins' hudson.model.Label and hudson.model.labels.
 *
 * A node carries a set of labels (its label string, plus its own name, added by the node part).
 * A job restricts where it runs with a label expression: atoms combined by `!`, `&&`, `||`, `->`
 * (implies, right-associative) and `<->` (iff), from tightest to loosest, with parentheses.
 * Atoms may contain `-`, `.` and `:` (`linux-x64`, `jdk:17`); `->` is only an operator as the
 * two-character token. Other names go in double quotes with backslash escapes (`"my label"`).
 */
import { StewardError } from '../../errors/index.js';
import { collectAtoms, compileNode, formatAtom, formatNode, type Matcher } from './ast.js';
import { readQuoted } from './lexer.js';
import { parseLabelNode } from './parser.js';
import { LabelSyntaxError } from './syntax-error.js';

/** A parsed, compiled label expression. Immutable; safe to share and cache by `text`. */
export interface LabelExpression {
  /**
   * Normalised text, e.g. `linux && (docker || podman)`: one space around binary operators,
   * parentheses only where precedence needs them. Two expressions with the same text match the
   * same label sets, so `text` is a cache key.
   */
  readonly text: string;
  /** True when a node with these labels satisfies the expression. */
  matches(labels: ReadonlySet<string>): boolean;
  /** The label names the expression mentions. */
  atoms(): ReadonlySet<string>;
}

class CompiledLabelExpression implements LabelExpression {
  readonly text: string;
  readonly matches: Matcher;
  readonly #atoms: ReadonlySet<string>;

  constructor(text: string, matcher: Matcher, atoms: ReadonlySet<string>) {
    this.text = text;
    this.matches = matcher;
    this.#atoms = atoms;
  }

  atoms(): ReadonlySet<string> {
    return this.#atoms;
  }

  toString(): string {
    return this.text;
  }
}

function invalid(kind: string, text: string, err: unknown): never {
  if (err instanceof LabelSyntaxError) {
    throw new StewardError('STW_LABEL_INVALID', `${kind} ${JSON.stringify(text)}: ${err.detail}`, {
      column: err.column,
      cause: err,
    });
  }
  throw err;
}

/**
 * Parses and compiles a label expression.
 * @throws StewardError STW_LABEL_INVALID, with `column` set (1-based), when the text is empty or
 *   malformed; the message says what was expected where, e.g.
 *   `label expression "linux &&": expected a label after '&&' at column 9`.
 *   Callers that allow "no restriction" test for blank text before calling.
 */
export function parseLabelExpression(text: string): LabelExpression {
  if (text.trim() === '') {
    throw new StewardError('STW_LABEL_INVALID', `label expression ${JSON.stringify(text)}: expected a label at column 1`, {
      column: 1,
    });
  }
  try {
    const node = parseLabelNode(text);
    return new CompiledLabelExpression(formatNode(node), compileNode(node), collectAtoms(node, new Set()));
  } catch (err) {
    return invalid('label expression', text, err);
  }
}

/**
 * Parses a node's label string (`"linux docker  x64"`) into its labels, splitting on whitespace;
 * double-quoted labels may contain spaces (Jenkins' Label.parse uses a quoted-string tokenizer).
 * Blank text gives an empty set.
 * @throws StewardError STW_LABEL_INVALID on an unterminated quote.
 */
export function parseLabels(text: string): Set<string> {
  const labels = new Set<string>();
  let i = 0;
  try {
    while (i < text.length) {
      const c = text[i] as string;
      if (/\s/.test(c)) {
        i += 1;
      } else if (c === '"') {
        const { name, end } = readQuoted(text, i);
        if (name !== '') labels.add(name);
        i = end;
      } else {
        const start = i;
        while (i < text.length && !/\s/.test(text[i] as string) && text[i] !== '"') i += 1;
        labels.add(text.slice(start, i));
      }
    }
  } catch (err) {
    return invalid('labels', text, err);
  }
  return labels;
}

/** Writes labels back as a label string that `parseLabels` reads to the same set. */
export function formatLabels(labels: Iterable<string>): string {
  return [...labels].map(formatLabelAtom).join(' ');
}

/** Quotes a label name when it could not be read back bare in an expression. */
export function formatLabelAtom(name: string): string {
  return formatAtom(name);
}
