/**
 * Turns what arrives on a channel into typed messages at the edge. A message that is not one is
 * refused with an error naming the field that is wrong (`field`), so that neither side acts on
 * half a message.
 */
import { StewardError } from '../errors/index.js';
import { PROTOCOL_VERSION, type FromAgent, type ToAgent } from './messages.js';

type Fields = Record<string, unknown>;

function refuse(field: string, problem: string): never {
  return fail(`${field} ${problem}`, field);
}

function fail(message: string, field: string): never {
  throw new StewardError('STW_REQUEST_INVALID', `agent message refused: ${message}`, { field });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function envelope(input: unknown): Fields {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(`a message is an object, not ${describe(input)}`, 'message');
  const m = input as Fields;
  if (m.v !== PROTOCOL_VERSION) refuse('v', `is protocol version ${describe(m.v)}; this side speaks version ${PROTOCOL_VERSION}`);
  if (typeof m.type !== 'string') refuse('type', `must be a string, not ${describe(m.type)}`);
  return m;
}

function id(m: Fields): number {
  const v = m.id;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) refuse('id', `must be a whole number ≥ 0, not ${describe(v)}`);
  return v;
}

function int(m: Fields, field: string): number {
  const v = m[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) refuse(field, `must be a whole number, not ${describe(v)}`);
  return v;
}

function str(m: Fields, field: string): string {
  const v = m[field];
  if (typeof v !== 'string') refuse(field, `must be a string, not ${describe(v)}`);
  return v;
}

function strings(m: Fields, field: string): string[] {
  const v = m[field];
  if (!Array.isArray(v)) refuse(field, `must be an array of strings, not ${describe(v)}`);
  return v.map((item: unknown, i) => (typeof item === 'string' ? item : refuse(`${field}[${i}]`, `must be a string, not ${describe(item)}`)));
}

function environment(m: Fields, field: string): Record<string, string> {
  const v = m[field];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) refuse(field, `must be an object of strings, not ${describe(v)}`);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(v as Fields)) {
    if (typeof value !== 'string') refuse(`${field}.${name}`, `must be a string, not ${describe(value)}`);
    env[name] = value;
  }
  return env;
}

/** Parses a message the controller sent to an agent. */
export function parseToAgent(input: unknown): ToAgent {
  const m = envelope(input);
  const v = PROTOCOL_VERSION;
  switch (m.type) {
    case 'spawn':
      return {
        v,
        type: 'spawn',
        id: id(m),
        command: str(m, 'command'),
        args: strings(m, 'args'),
        cwd: str(m, 'cwd'),
        env: environment(m, 'env'),
        cookie: str(m, 'cookie'),
        mask: strings(m, 'mask'),
      };
    case 'prefork':
      return { v, type: 'prefork', id: id(m), env: environment(m, 'env') };
    case 'go':
      return { v, type: 'go', id: id(m), script: str(m, 'script'), cookie: str(m, 'cookie'), mask: strings(m, 'mask') };
    case 'stop': {
      const graceMs = int(m, 'graceMs');
      if (graceMs < 0) refuse('graceMs', `must be a whole number ≥ 0, not ${graceMs}`);
      return { v, type: 'stop', id: id(m), graceMs };
    }
    case 'heartbeat':
      return { v, type: 'heartbeat' };
    default:
      return refuse('type', `${describe(m.type)} is not a message to an agent (spawn, prefork, go, stop, heartbeat)`);
  }
}

/** Parses a message an agent sent to the controller. */
export function parseFromAgent(input: unknown): FromAgent {
  const m = envelope(input);
  const v = PROTOCOL_VERSION;
  switch (m.type) {
    case 'spawned': {
      // A pid of undefined (the process could not start) may arrive as a missing field.
      const pid = m.pid === undefined ? undefined : int(m, 'pid');
      if (pid !== undefined && pid <= 0) refuse('pid', `must be a process id above 0, not ${pid}`);
      return { v, type: 'spawned', id: id(m), pid };
    }
    case 'output': {
      const chunk = m.chunk;
      if (!(chunk instanceof Uint8Array)) refuse('chunk', `must be bytes, not ${describe(chunk)}`);
      return { v, type: 'output', id: id(m), chunk };
    }
    case 'exit':
      return { v, type: 'exit', id: id(m), code: int(m, 'code') };
    default:
      return refuse('type', `${describe(m.type)} is not a message from an agent (spawned, output, exit)`);
  }
}
