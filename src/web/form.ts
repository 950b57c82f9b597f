import type { FastifyRequest } from 'fastify';

type Req = FastifyRequest<{ Querystring: Record<string, string | undefined> }>;

/**
 * A request parameter as Jenkins' `getParameter` reads it: the query string first, then a form
 * body; for a name given more than once in the body, the last value. Undefined when absent.
 */
export function formField(req: Req, name: string): string | undefined {
  const fromQuery = req.query[name];
  if (fromQuery !== undefined) return fromQuery;
  const body = req.body !== null && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
  const v = body[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v.at(-1) === 'string' ? (v.at(-1) as string) : undefined;
}
