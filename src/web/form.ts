import type { FastifyRequest } from 'fastify';

type Req = FastifyRequest<{ Querystring: Record<string, string | undefined> }>;

/**
 * A request parameter as Jenkins' `getParameter` reads it: the query string first, then a form
 * body. Undefined when absent. A name given more than once never gets here: the HTTP layer
 * refuses it (installParameterParsing).
 */
export function formField(req: Req, name: string): string | undefined {
  const fromQuery = req.query[name];
  if (fromQuery !== undefined) return fromQuery;
  const body = req.body !== null && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
  const v = body[name];
  return typeof v === 'string' ? v : undefined;
}
