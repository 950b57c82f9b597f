/**
 * Turns what arrives on a channel into typed messages at the edge. A message that is not one is
 * refused with an error naming the field that is wrong (`field`), so that neither side acts on
 * half a message.
 */
import { PROTOCOL_VERSION, type FromAgent, type ToAgent } from './messages.js';
import { describe, envelope, environment, id, int, refuse, str, strings } from './fields.js';

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
      return { v, type: 'go', id: id(m), script: str(m, 'script'), cookie: str(m, 'cookie'), mask: strings(m, 'mask'), ...(m.hold === true ? { hold: true } : {}) };
    case 'release':
      return { v, type: 'release', id: id(m), script: str(m, 'script') };
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
