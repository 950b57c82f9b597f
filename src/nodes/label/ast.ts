/** The parsed form of a label expression, its normalised text, and its compilation to closures. */
import { continuesAtom } from './lexer.js';

export type LabelNode =
  | { readonly kind: 'atom'; readonly name: string }
  | { readonly kind: 'not'; readonly operand: LabelNode }
  | { readonly kind: 'and' | 'or' | 'implies' | 'iff'; readonly left: LabelNode; readonly right: LabelNode };

export type Matcher = (labels: ReadonlySet<string>) => boolean;

/** Binding strength, lowest first, as in Jenkins' LabelExpression.g. */
const LEVEL = { iff: 1, implies: 2, or: 3, and: 4, not: 5, atom: 6 } as const;
const SYMBOL = { iff: '<->', implies: '->', or: '||', and: '&&' } as const;

/** Quotes an atom when it could not be read back unquoted. */
export function formatAtom(name: string): string {
  let bare = name !== '';
  for (let i = 0; bare && i < name.length; i++) bare = continuesAtom(name, i);
  if (bare) return name;
  return `"${name.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Normalised text: single spaces around binary operators, parentheses only where needed. */
export function formatNode(node: LabelNode): string {
  switch (node.kind) {
    case 'atom':
      return formatAtom(node.name);
    case 'not': {
      const inner = formatNode(node.operand);
      return LEVEL[node.operand.kind] < LEVEL.not ? `!(${inner})` : `!${inner}`;
    }
    default: {
      const level = LEVEL[node.kind];
      const rightAssoc = node.kind === 'implies';
      const l = formatNode(node.left);
      const r = formatNode(node.right);
      const leftLevel = LEVEL[node.left.kind];
      const rightLevel = LEVEL[node.right.kind];
      const wrapLeft = leftLevel < level || (leftLevel === level && rightAssoc);
      const wrapRight = rightLevel < level || (rightLevel === level && !rightAssoc);
      return `${wrapLeft ? `(${l})` : l} ${SYMBOL[node.kind]} ${wrapRight ? `(${r})` : r}`;
    }
  }
}

export function compileNode(node: LabelNode): Matcher {
  switch (node.kind) {
    case 'atom': {
      const name = node.name;
      return (labels) => labels.has(name);
    }
    case 'not': {
      const operand = compileNode(node.operand);
      return (labels) => !operand(labels);
    }
    case 'and': {
      const l = compileNode(node.left);
      const r = compileNode(node.right);
      return (labels) => l(labels) && r(labels);
    }
    case 'or': {
      const l = compileNode(node.left);
      const r = compileNode(node.right);
      return (labels) => l(labels) || r(labels);
    }
    case 'implies': {
      const l = compileNode(node.left);
      const r = compileNode(node.right);
      return (labels) => !l(labels) || r(labels);
    }
    case 'iff': {
      const l = compileNode(node.left);
      const r = compileNode(node.right);
      return (labels) => l(labels) === r(labels);
    }
  }
}

export function collectAtoms(node: LabelNode, into: Set<string>): Set<string> {
  if (node.kind === 'atom') into.add(node.name);
  else if (node.kind === 'not') collectAtoms(node.operand, into);
  else {
    collectAtoms(node.left, into);
    collectAtoms(node.right, into);
  }
  return into;
}
