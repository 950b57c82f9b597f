import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { UnprotectedRootActionDescriptor } from '../jobs/index.js';
import { Permissions } from '../security/index.js';
import type { StewardApi } from './api.js';
import { securityOf } from './auth.js';

/**
 * The push notifications' URLs (UnprotectedRootAction: `/git/notifyCommit`, `/github-webhook/`),
 * GET and POST, for anyone and without a crumb, as Jenkins answers them. Each takes a body of at
 * most its descriptor's `maxBodyBytes` (413 past it, before it is read whole), as bytes: a webhook's
 * signature is over the body as sent.
 */
export async function registerNotifyRoutes(app: FastifyInstance, api: StewardApi): Promise<void> {
  for (const action of api.rootActions()) {
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: action.maxBodyBytes }, (_req, body, done) => done(null, body));
      const handler = (req: FastifyRequest, reply: FastifyReply) => answer(api, action, req, reply);
      scope.route({ method: ['GET', 'POST'], url: `/${action.urlName}`, bodyLimit: action.maxBodyBytes, handler });
      scope.route({ method: ['GET', 'POST'], url: `/${action.urlName}/*`, bodyLimit: action.maxBodyBytes, handler });
    });
  }
}

async function answer(api: StewardApi, action: UnprotectedRootActionDescriptor, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const security = securityOf(api);
  const path = req.url.split('?')[0] ?? '';
  const query = (req.query ?? {}) as Record<string, string | undefined>;
  const host = api.notifyHost();
  const jobContext = (name: string) => {
    const job = api.jobs.get(name);
    return job === undefined ? undefined : security.jobContext(job.definition);
  };
  const answered = await action.handle(
    {
      method: req.method,
      subPath: path.slice(action.urlName.length + 1),
      query,
      header: (name) => {
        const v = req.headers[name.toLowerCase()];
        return Array.isArray(v) ? v[0] : v;
      },
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    },
    {
      ...host,
      canSee: (name) => {
        const context = jobContext(name);
        return context !== undefined && security.strategy.hasPermission(req.auth, Permissions.ITEM_READ, context);
      },
      canBuild: (name) => {
        const context = jobContext(name);
        return context !== undefined && req.auth.userId !== undefined && security.strategy.hasPermission(req.auth, Permissions.ITEM_BUILD, context);
      },
    },
  );
  for (const [name, value] of Object.entries(answered.headers ?? {})) reply.header(name, value);
  await reply.code(answered.status).header('content-type', 'text/plain;charset=utf-8').send(answered.text);
}
