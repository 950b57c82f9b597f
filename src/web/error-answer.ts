import type { FastifyReply } from 'fastify';

import type { StewardError } from '../errors/index.js';
import { STATUS_OF } from './errors.js';
import { headerMessage } from './message-header.js';

/**
 * Answers an error the one way every answer does: the code's status, `X-Error` (Jenkins reports
 * some errors there, createItem's, and clients read it; at most 200 characters) and
 * `{ "error": ... }` as the body, with the whole message.
 */
export async function sendError(reply: FastifyReply, e: StewardError): Promise<void> {
  await reply.status(STATUS_OF[e.code]).header('X-Error', headerMessage(e.message)).send({ error: e.toJSON() });
}
