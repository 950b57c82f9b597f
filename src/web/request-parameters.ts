import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { StewardError, excerpt } from '../errors/index.js';

/** A query string or form body as parsed: a name given more than once holds every value. */
export type RawParameters = Record<string, string | string[]>;

const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * Parses `a=1&b=2` as a browser encodes a form (`+` is a space). The object has no prototype, so
 * a parameter named `__proto__` or `constructor` is a parameter like any other.
 */
export function parseParameters(text: string): RawParameters {
  const out = Object.create(null) as RawParameters;
  for (const [name, value] of new URLSearchParams(text)) {
    const seen = out[name];
    // push, not spread: a body of 16 MiB can repeat one name millions of times.
    if (Array.isArray(seen)) seen.push(value);
    else out[name] = seen === undefined ? value : [seen, value];
  }
  return out;
}

function refuseRepeats(params: unknown): void {
  if (params === null || typeof params !== 'object') return;
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value)) {
      throw new StewardError('STW_REQUEST_INVALID', `parameter "${excerpt(name)}" is given ${value.length} times; give it once`, { field: excerpt(name) });
    }
  }
}

function isForm(req: FastifyRequest): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith(FORM_TYPE);
}

/**
 * Reads form bodies with parseParameters (the server gives it to fastify as its querystringParser
 * too) and refuses, with STW_REQUEST_INVALID, a parameter given more than once, before any route
 * sees it. Jenkins' getParameter would take the first value; which one a client meant is a guess
 * Steward does not make. Routes therefore see only strings in `req.query` and in a form body.
 */
export async function installParameterParsing(app: FastifyInstance): Promise<void> {
  await app.register(formbody, { parser: parseParameters });
  app.addHook('preValidation', async (req) => {
    refuseRepeats(req.query);
    if (isForm(req)) refuseRepeats(req.body);
  });
}
