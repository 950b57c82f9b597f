/**
 * Reading the fields of a message at the receiving edge: each reader returns a typed value or
 * refuses the message with STW_REQUEST_INVALID naming the field, for both transports.
 */
import { StewardError, excerpt } from '../errors/index.js';
import { PROTOCOL_VERSION } from './messages.js';

export type Fields = Record<string, unknown>;

export function refuse(field: string, problem: string): never {
  return fail(`${field} ${problem}`, field);
}

export function fail(message: string, field: string): never {
  throw new StewardError('STW_REQUEST_INVALID', `agent message refused: ${message}`, { field });
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  // Bounded: a value from the other side may be megabytes long.
  return typeof value === 'object' ? 'an object' : `${typeof value} ${excerpt(JSON.stringify(value) ?? '')}`;
}

export function envelope(input: unknown): Fields {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(`a message is an object, not ${describe(input)}`, 'message');
  const m = input as Fields;
  if (m.v !== PROTOCOL_VERSION) refuse('v', `is protocol version ${describe(m.v)}; this side speaks version ${PROTOCOL_VERSION}`);
  if (typeof m.type !== 'string') refuse('type', `must be a string, not ${describe(m.type)}`);
  return m;
}

export function id(m: Fields): number {
  const v = m.id;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) refuse('id', `must be a whole number ≥ 0, not ${describe(v)}`);
  return v;
}

export function int(m: Fields, field: string): number {
  const v = m[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) refuse(field, `must be a whole number, not ${describe(v)}`);
  return v;
}

export function str(m: Fields, field: string): string {
  const v = m[field];
  if (typeof v !== 'string') refuse(field, `must be a string, not ${describe(v)}`);
  return v;
}

export function strings(m: Fields, field: string): string[] {
  const v = m[field];
  if (!Array.isArray(v)) refuse(field, `must be an array of strings, not ${describe(v)}`);
  return v.map((item: unknown, i) => (typeof item === 'string' ? item : refuse(`${field}[${i}]`, `must be a string, not ${describe(item)}`)));
}

export function environment(m: Fields, field: string): Record<string, string> {
  const v = m[field];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) refuse(field, `must be an object of strings, not ${describe(v)}`);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(v as Fields)) {
    if (typeof value !== 'string') refuse(`${field}.${name}`, `must be a string, not ${describe(value)}`);
    env[name] = value;
  }
  return env;
}

