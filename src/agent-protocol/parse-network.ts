/**
 * Parsers for the network messages (network.ts) at the receiving edge. As for IPC, a message that
 * is not one is refused with STW_REQUEST_INVALID naming the field.
 */
import { StewardError } from '../errors/index.js';
import { PROTOCOL_VERSION } from './messages.js';
import { MAX_STEP_ID_LENGTH, NETWORK_VERSIONS, type AgentMessage, type ControllerMessage, type HeldStep, type Hello, type RefusalCode } from './network.js';
import { describe, envelope, environment, fail, int, refuse, str, strings, type Fields } from './fields.js';

const v = PROTOCOL_VERSION;

const REFUSALS: readonly RefusalCode[] = ['version', 'credentials', 'connected', 'malformed', 'not-ready'];

function object(input: unknown, field: string): Fields {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) refuse(field, `must be an object, not ${describe(input)}`);
  return input as Fields;
}

function count(m: Fields, field: string): number {
  const n = int(m, field);
  if (n < 0) refuse(field, `must be a whole number ≥ 0, not ${n}`);
  return n;
}

function stepId(m: Fields, field = 'id'): string {
  const s = str(m, field);
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes === 0 || bytes > MAX_STEP_ID_LENGTH) refuse(field, `must be 1 to ${MAX_STEP_ID_LENGTH} bytes long, not ${bytes}`);
  return s;
}

function bool(m: Fields, field: string): boolean {
  const b = m[field];
  if (typeof b !== 'boolean') refuse(field, `must be true or false, not ${describe(b)}`);
  return b;
}

function list<T>(m: Fields, field: string, item: (f: Fields, at: string) => T): T[] {
  const a = m[field];
  if (!Array.isArray(a)) refuse(field, `must be an array, not ${describe(a)}`);
  return a.map((x: unknown, i) => item(object(x, `${field}[${i}]`), `${field}[${i}]`));
}

/** Reads a field of an item of a list, naming the field with the item's place (`holds[2].id`). */
function at<T>(read: (m: Fields, field: string) => T, m: Fields, path: string, field: string): T {
  try {
    return read(m, field);
  } catch (err) {
    if (err instanceof StewardError && err.field === field) fail(`${path}.${err.message.replace(/^agent message refused: /, '')}`, `${path}.${field}`);
    throw err;
  }
}

/**
 * Parses an agent's hello. The versions are read first, whatever `v` says, so that an agent of
 * another protocol version is told that, not that a field is missing.
 */
export function parseHello(input: unknown): Hello {
  const m = object(input, 'message');
  if (m.type !== 'hello') refuse('type', `must be "hello" in the first message of a connection, not ${describe(m.type)}`);
  const versions = m.versions;
  if (!Array.isArray(versions) || versions.length === 0 || !versions.every((x) => Number.isSafeInteger(x))) {
    refuse('versions', `must be a list of the protocol versions the agent speaks, not ${describe(versions)}`);
  }
  const spoken = versions as number[];
  if (!spoken.some((x) => NETWORK_VERSIONS.includes(x))) {
    throw new StewardError('STW_REQUEST_INVALID', `the agent speaks protocol version ${spoken.join(', ')}; this controller speaks version ${NETWORK_VERSIONS.join(', ')}`, { field: 'versions' });
  }
  const executors = count(m, 'executors');
  return {
    v,
    type: 'hello',
    versions: spoken,
    name: str(m, 'name'),
    secret: str(m, 'secret'),
    agentVersion: str(m, 'agentVersion'),
    os: str(m, 'os'),
    arch: str(m, 'arch'),
    executors,
    labels: str(m, 'labels'),
    holds: list(m, 'holds', (h, p): HeldStep => {
      const exit = h.exitCode;
      return {
        id: at(stepId, h, p, 'id'),
        job: at(str, h, p, 'job'),
        number: at(count, h, p, 'number'),
        cookie: at(str, h, p, 'cookie'),
        produced: at(count, h, p, 'produced'),
        exitCode: exit === null || exit === undefined ? null : at(int, h, p, 'exitCode'),
      };
    }),
  };
}

/** Parses a message the controller sent to a networked agent. */
export function parseControllerMessage(input: unknown): ControllerMessage {
  const m = envelope(input);
  switch (m.type) {
    case 'welcome':
      return {
        v,
        type: 'welcome',
        version: int(m, 'version'),
        controller: str(m, 'controller'),
        adopt: list(m, 'adopt', (a, p) => ({ id: at(stepId, a, p, 'id'), offset: at(count, a, p, 'offset') })),
        drop: strings(m, 'drop'),
      };
    case 'refused': {
      const code = str(m, 'code') as RefusalCode;
      if (!REFUSALS.includes(code)) refuse('code', `must be one of ${REFUSALS.join(', ')}, not ${describe(code)}`);
      return { v, type: 'refused', code, reason: str(m, 'reason') };
    }
    case 'launch':
      return {
        v,
        type: 'launch',
        id: stepId(m),
        job: str(m, 'job'),
        number: count(m, 'number'),
        command: str(m, 'command'),
        args: strings(m, 'args'),
        cwd: str(m, 'cwd'),
        env: environment(m, 'env'),
        cookie: str(m, 'cookie'),
        mask: strings(m, 'mask'),
      };
    case 'ack':
      return { v, type: 'ack', id: stepId(m), offset: count(m, 'offset') };
    case 'stop':
      return { v, type: 'stop', id: stepId(m), graceMs: count(m, 'graceMs') };
    case 'release':
      return { v, type: 'release', id: stepId(m) };
    case 'workspace':
      return { v, type: 'workspace', req: count(m, 'req'), job: str(m, 'job') };
    case 'writeTemp': {
      const mode = count(m, 'mode');
      if (mode > 0o777) refuse('mode', `must be a file mode from 0 to 0777, not ${mode.toString(8)}`);
      return { v, type: 'writeTemp', req: count(m, 'req'), name: str(m, 'name'), content: str(m, 'content'), mode };
    }
    case 'removeTemp':
      return { v, type: 'removeTemp', req: count(m, 'req'), path: str(m, 'path') };
    case 'listFiles':
      return { v, type: 'listFiles', req: count(m, 'req'), root: str(m, 'root'), include: strings(m, 'include'), exclude: strings(m, 'exclude') };
    case 'readFile':
      return { v, type: 'readFile', req: count(m, 'req'), root: str(m, 'root'), path: str(m, 'path') };
    case 'fileAck':
      return { v, type: 'fileAck', req: count(m, 'req'), offset: count(m, 'offset') };
    default:
      return refuse(
        'type',
        `${describe(m.type)} is not a message to an agent (welcome, refused, launch, ack, stop, release, workspace, writeTemp, removeTemp, listFiles, readFile, fileAck)`,
      );
  }
}

/** Parses a message a networked agent sent after its hello. */
export function parseAgentMessage(input: unknown): AgentMessage {
  const m = envelope(input);
  switch (m.type) {
    case 'started': {
      const pid = m.pid === null ? null : int(m, 'pid');
      if (pid !== null && pid <= 0) refuse('pid', `must be a process id above 0 or null, not ${pid}`);
      return { v, type: 'started', id: stepId(m), pid };
    }
    case 'exit':
      return { v, type: 'exit', id: stepId(m), code: int(m, 'code'), produced: count(m, 'produced') };
    case 'launchRefused':
      return { v, type: 'launchRefused', id: stepId(m), reason: str(m, 'reason') };
    case 'reply': {
      const req = count(m, 'req');
      if (bool(m, 'ok')) return { v, type: 'reply', req, ok: true, value: object(m.value, 'value') };
      return { v, type: 'reply', req, ok: false, error: str(m, 'error') };
    }
    default:
      return refuse('type', `${describe(m.type)} is not a message from an agent (started, exit, launchRefused, reply)`);
  }
}

/** Parses JSON text of a frame, refusing text that is not JSON. */
export function parseJsonFrame(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fail('a text frame must hold one JSON message', 'frame');
  }
}
