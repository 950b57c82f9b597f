import type { FastifyReply } from 'fastify';

import type { StewardError } from '../errors/index.js';
import { STATUS_OF } from './errors.js';

/**
 * The longest X-Error, in characters. Jenkins' clients read the header for a short reason; a
 * long one (a job's 5,000 parameter names) passes Node's 16 KiB header limit, and the client then
 * sees no answer at all. The whole message stays in the JSON body.
 */
const X_ERROR_MAX = 200;

const CUT = '...';

/** A header value carries Latin-1 only: other characters are written as \\uXXXX, line breaks as spaces. */
function headerSafe(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e\xa0-\xff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The message for X-Error: on one line, in Latin-1, at most X_ERROR_MAX characters. */
export function xErrorOf(message: string): string {
  const safe = headerSafe(message.slice(0, X_ERROR_MAX + 1));
  if (safe.length <= X_ERROR_MAX) return safe;
  // Cut before an escape (\uXXXX) rather than through it.
  const cut = safe.slice(0, X_ERROR_MAX - CUT.length).replace(/\\(u[0-9a-f]{0,3})?$/, '');
  return `${cut}${CUT}`;
}

/**
 * Answers an error the one way every answer does: the code's status, `X-Error` (Jenkins reports
 * some errors there, createItem's, and clients read it) and `{ "error": ... }` as the body.
 */
export async function sendError(reply: FastifyReply, e: StewardError): Promise<void> {
  await reply.status(STATUS_OF[e.code]).header('X-Error', xErrorOf(e.message)).send({ error: e.toJSON() });
}
