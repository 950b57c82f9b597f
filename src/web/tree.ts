import { StewardError, excerpt } from '../errors/index.js';
import { wholeNumber } from './whole-number.js';

/**
 * Jenkins' `tree` query parameter (hudson.model.Api): `jobs[name,color,builds[number]{0,5}],url`.
 * Objects are built with lazy fields (functions), so a field the tree leaves out costs nothing.
 */
export interface TreeNode {
  fields: Map<string, { sub: TreeNode | undefined; range: { from: number; to: number | undefined } | undefined }>;
}

/** A value computed only when the answer includes it. */
export type Lazy = () => unknown;
const LAZY = Symbol('lazy');
export function lazy(fn: () => unknown): Lazy {
  return Object.assign(fn, { [LAZY]: true });
}
function isLazy(v: unknown): v is Lazy {
  return typeof v === 'function' && (v as unknown as Record<symbol, unknown>)[LAZY] === true;
}

export function parseTree(text: string): TreeNode {
  let i = 0;
  const fail = (what: string): never => {
    throw new StewardError('STW_REQUEST_INVALID', `tree "${excerpt(text)}": ${what} at column ${i + 1}`, { field: 'tree', column: i + 1 });
  };
  const parseList = (): TreeNode => {
    const node: TreeNode = { fields: new Map() };
    for (;;) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_$]/.test(text[i] as string)) i++;
      const name = text.slice(start, i);
      if (name === '') fail('expected a field name');
      let sub: TreeNode | undefined;
      let range: { from: number; to: number | undefined } | undefined;
      if (text[i] === '[') {
        i++;
        sub = parseList();
        if (text[i] !== ']') fail("expected ']'");
        i++;
      }
      if (text[i] === '{') {
        const close = text.indexOf('}', i);
        if (close < 0) fail("expected '}'");
        range = parseRange(text.slice(i + 1, close), fail);
        i = close + 1;
      }
      node.fields.set(name, { sub, range });
      if (text[i] === ',') {
        i++;
        continue;
      }
      return node;
    }
  };
  const tree = parseList();
  if (i !== text.length) fail(`unexpected '${text[i] as string}'`);
  return tree;
}

function parseRange(s: string, fail: (what: string) => never): { from: number; to: number | undefined } {
  const m = /^\s*(\d*)\s*(,?)\s*(\d*)\s*$/.exec(s);
  if (m === null) return fail('expected a range like {0,10}');
  const [, a, comma, b] = m as unknown as [string, string, string, string];
  const bound = (text: string): number => wholeNumber(text) ?? fail(`expected a whole number in the range, not "${text}"`);
  if (comma === '') {
    // {N}: the element N alone
    const n = bound(a);
    return { from: n, to: n + 1 };
  }
  return { from: a === '' ? 0 : bound(a), to: b === '' ? undefined : bound(b) };
}

/**
 * Resolves an object built with lazy fields into plain JSON, keeping only what `tree` names
 * (`_class` always, as Jenkins does). Without a tree, every field is kept (to the depth the
 * builder chose).
 */
export async function render(value: unknown, tree: TreeNode | undefined): Promise<unknown> {
  // Most answers hold no lazy field deep down (a test report of 10,000 cases): walked without an
  // await per value, which costs ten times as much.
  if (tree === undefined) {
    // Without a tree, an answer without lazy fields is its own rendering.
    if (!holdsLazy(value)) return value;
  } else {
    const plain = renderPlain(value, tree);
    if (plain !== NOT_PLAIN) return plain;
  }
  return renderAsync(value, tree);
}

/** Whether a lazy field or a promise is anywhere in `v`. */
function holdsLazy(v: unknown): boolean {
  if (isLazy(v) || v instanceof Promise) return true;
  if (Array.isArray(v)) {
    for (const x of v) if (x !== null && typeof x === 'object' && holdsLazy(x)) return true;
    return false;
  }
  if (v === null || typeof v !== 'object') return false;
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if ((x !== null && typeof x === 'object') || typeof x === 'function') {
      if (holdsLazy(x)) return true;
    }
  }
  return false;
}

const NOT_PLAIN = Symbol('not plain');

/** render() of a value without lazy fields or promises; NOT_PLAIN as soon as it meets one. */
function renderPlain(v: unknown, tree: TreeNode | undefined): unknown {
  if (isLazy(v) || v instanceof Promise) return NOT_PLAIN;
  if (Array.isArray(v)) {
    const out: unknown[] = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = renderPlain(v[i], tree);
      if (x === NOT_PLAIN) return NOT_PLAIN;
      out[i] = x;
    }
    return out;
  }
  if (v === null || typeof v !== 'object') return v;
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (tree === undefined) {
    for (const k in src) {
      if (!Object.hasOwn(src, k)) continue;
      const x = renderPlain(src[k], undefined);
      if (x === NOT_PLAIN) return NOT_PLAIN;
      out[k] = x;
    }
    return out;
  }
  if ('_class' in src) out._class = src._class;
  for (const [name, spec] of tree.fields) {
    if (!(name in src)) continue;
    let x = src[name];
    if (isLazy(x) || x instanceof Promise) return NOT_PLAIN;
    if (Array.isArray(x) && spec.range !== undefined) x = x.slice(spec.range.from, spec.range.to);
    const r = renderPlain(x, spec.sub ?? (isPlainObjectOrArray(x) ? { fields: new Map() } : undefined));
    if (r === NOT_PLAIN) return NOT_PLAIN;
    out[name] = r;
  }
  return out;
}

async function renderAsync(value: unknown, tree: TreeNode | undefined): Promise<unknown> {
  let v = value;
  while (isLazy(v)) v = await v();
  if (v instanceof Promise) v = await v;
  if (Array.isArray(v)) return Promise.all(v.map((x) => render(x, tree)));
  if (v === null || typeof v !== 'object') return v;
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (tree === undefined) {
    for (const [k, x] of Object.entries(src)) out[k] = await render(x, undefined);
    return out;
  }
  if ('_class' in src) out._class = src._class;
  for (const [name, spec] of tree.fields) {
    if (!(name in src)) continue;
    let x = src[name];
    while (isLazy(x)) x = await x();
    if (x instanceof Promise) x = await x;
    if (Array.isArray(x) && spec.range !== undefined) x = x.slice(spec.range.from, spec.range.to);
    out[name] = await render(x, spec.sub ?? (isPlainObjectOrArray(x) ? { fields: new Map() } : undefined));
  }
  return out;
}

function isPlainObjectOrArray(x: unknown): boolean {
  return x !== null && typeof x === 'object';
}
