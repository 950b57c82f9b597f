/**
 * Recursive-descent parser for label expressions, after Jenkins' LabelExpression.g:
 *
 *   expr    := implies ('<->' implies)*        iff, lowest, left-associative
 *   implies := or ('->' implies)?              right-associative
 *   or      := and ('||' and)*
 *   and     := not ('&&' not)*
 *   not     := '!' not | primary
 *   primary := atom | '(' expr ')'
 */
import type { LabelNode } from './ast.js';
import { tokenize, type Token } from './lexer.js';
import { LabelSyntaxError } from './syntax-error.js';

function describe(token: Token): string {
  return token.kind === 'end' ? 'end of expression' : `'${token.source}'`;
}

class Parser {
  #pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  parse(): LabelNode {
    const node = this.#expr();
    const token = this.#peek();
    if (token.kind === 'rparen') {
      throw new LabelSyntaxError(`unexpected ')' at column ${token.column}: no '(' to close`, token.column);
    }
    if (token.kind !== 'end') {
      const previous = this.tokens[this.#pos - 1] as Token;
      throw new LabelSyntaxError(
        `expected an operator after ${describe(previous)} at column ${token.column}, found ${describe(token)}`,
        token.column,
      );
    }
    return node;
  }

  #peek(): Token {
    return this.tokens[this.#pos] as Token;
  }

  #take(): Token {
    const token = this.#peek();
    if (token.kind !== 'end') this.#pos += 1;
    return token;
  }

  #expr(): LabelNode {
    let left = this.#implies();
    while (this.#peek().kind === 'iff') {
      this.#take();
      left = { kind: 'iff', left, right: this.#implies() };
    }
    return left;
  }

  #implies(): LabelNode {
    const left = this.#or();
    if (this.#peek().kind !== 'implies') return left;
    this.#take();
    return { kind: 'implies', left, right: this.#implies() };
  }

  #or(): LabelNode {
    let left = this.#and();
    while (this.#peek().kind === 'or') {
      this.#take();
      left = { kind: 'or', left, right: this.#and() };
    }
    return left;
  }

  #and(): LabelNode {
    let left = this.#not();
    while (this.#peek().kind === 'and') {
      this.#take();
      left = { kind: 'and', left, right: this.#not() };
    }
    return left;
  }

  #not(): LabelNode {
    if (this.#peek().kind !== 'not') return this.#primary();
    this.#take();
    return { kind: 'not', operand: this.#not() };
  }

  #primary(): LabelNode {
    const token = this.#peek();
    if (token.kind === 'atom') {
      this.#take();
      return { kind: 'atom', name: token.name };
    }
    if (token.kind === 'lparen') {
      this.#take();
      const inner = this.#expr();
      const close = this.#peek();
      if (close.kind !== 'rparen') {
        throw new LabelSyntaxError(
          `expected ')' at column ${close.column} to close the '(' at column ${token.column}, found ${describe(close)}`,
          close.column,
        );
      }
      this.#take();
      return inner;
    }
    const previous = this.tokens[this.#pos - 1];
    const after = previous === undefined ? '' : ` after ${describe(previous)}`;
    const found = token.kind === 'end' ? '' : `, found ${describe(token)}`;
    throw new LabelSyntaxError(`expected a label${after} at column ${token.column}${found}`, token.column);
  }
}

export function parseLabelNode(text: string): LabelNode {
  return new Parser(tokenize(text)).parse();
}
