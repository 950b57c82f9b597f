import type { FastifyReply } from 'fastify';

/**
 * The longest message in a header, in characters. Jenkins' clients read X-Error for a short
 * reason; a long one (a job's 5,000 parameter names) passes Node's 16 KiB header limit, and the
 * client then sees no answer at all. The whole message stays in the body or the log.
 */
const HEADER_MESSAGE_MAX = 200;

const CUT = '...';

/** A header value carries Latin-1 only: other characters are written as \\uXXXX, line breaks as spaces. */
function headerSafe(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e\xa0-\xff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A message for a header (X-Error, X-Steward-Warning): on one line, in Latin-1, at most 200 characters. */
export function headerMessage(message: string): string {
  const safe = headerSafe(message.slice(0, HEADER_MESSAGE_MAX + 1));
  if (safe.length <= HEADER_MESSAGE_MAX) return safe;
  // Cut before an escape (\uXXXX) rather than through it.
  const cut = safe.slice(0, HEADER_MESSAGE_MAX - CUT.length).replace(/\\(u[0-9a-f]{0,3})?$/, '');
  return `${cut}${CUT}`;
}

/**
 * Steward's header for what a client should know about a request that succeeded, such as a job
 * saved with a label expression no node has. Jenkins has none; its clients ignore it.
 */
export const WARNING_HEADER = 'X-Steward-Warning';

/** Adds the warning to the answer, when there is one. */
export function warn(reply: FastifyReply, warning: string | undefined): FastifyReply {
  return warning === undefined ? reply : reply.header(WARNING_HEADER, headerMessage(warning));
}
