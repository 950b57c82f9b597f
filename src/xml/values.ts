import { StewardError } from '../errors/index.js';
import type { XmlElementHandle } from './xml.js';

/*
 * Readers for the scalar fields of Jenkins XML. Each one names the field (its element path) when
 * the value is wrong, and points at the element's line when the element came from parsed text.
 */

/** STW_CONFIG_INVALID at `at` (the offending element, or the parent of a missing one). */
export function configInvalid(at: XmlElementHandle, field: string, problem: string): StewardError {
  const { file, line, column } = at;
  const where = line === undefined ? file : `${file}:${line}:${column ?? 1}`;
  return new StewardError('STW_CONFIG_INVALID', `${where}: ${field}: ${problem}`, {
    file,
    field,
    ...(line === undefined ? {} : { line }),
    ...(column === undefined ? {} : { column }),
  });
}

/** Text of child `name`, or undefined when the child is missing. */
export function readText(parent: XmlElementHandle, name: string): string | undefined {
  return parent.childText(name);
}

/**
 * A boolean child. Accepts `true`/`false` in any case (XStream is case-insensitive too); a
 * missing or empty element means `fallback`; anything else is STW_CONFIG_INVALID, where
 * XStream would have quietly read `false`.
 */
export function readBoolean(parent: XmlElementHandle, name: string, fallback: boolean): boolean {
  const el = parent.child(name);
  if (el === undefined) return fallback;
  const text = el.text().trim().toLowerCase();
  if (text === '') return fallback;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw configInvalid(el, el.path, `expected true or false, got ${JSON.stringify(el.text().trim())}`);
}

/**
 * An integer child, undefined when missing or empty. `min` is the smallest value allowed.
 */
export function readInteger(parent: XmlElementHandle, name: string, min = Number.MIN_SAFE_INTEGER): number | undefined {
  const el = parent.child(name);
  if (el === undefined) return undefined;
  const text = el.text().trim();
  if (text === '') return undefined;
  const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw configInvalid(el, el.path, `expected a whole number, got ${JSON.stringify(text)}`);
  }
  if (value < min) {
    throw configInvalid(el, el.path, `must be ${min} or more, got ${value}`);
  }
  return value;
}

/** Like readInteger, but the element must be there. */
export function requireInteger(parent: XmlElementHandle, name: string, min?: number): number {
  const value = readInteger(parent, name, min);
  if (value === undefined) throw configInvalid(parent, parent.childPath(name), 'is missing');
  return value;
}

/** Like readInteger, with `fallback` when the element is missing or empty. */
export function readIntegerOr(parent: XmlElementHandle, name: string, fallback: number, min?: number): number {
  return readInteger(parent, name, min) ?? fallback;
}
