import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { StewardError, excerpt } from '../errors/index.js';
import type { Job } from '../jobs/index.js';
import {
  ANONYMOUS,
  ANONYMOUS_NAME,
  LoginThrottledError,
  Permissions,
  SESSION_COOKIE,
  checkPermission,
  type Authentication,
  type Permission,
  type Security,
  type Session,
} from '../security/index.js';
import type { StewardApi } from './api.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request runs as (set by the authentication hook). */
    auth: Authentication;
    /** How they said so: a token needs no crumb, a session or a password does. */
    authVia: 'anonymous' | 'token' | 'password' | 'session';
    /** The login session when the request came with a valid session cookie. */
    session: Session | undefined;
  }
}

/** Paths anyone may reach: logging in, and what a client asks before it logs in. */
/** `/agent`: an agent authenticates with its node's secret, inside the WebSocket (src/nodes/remote). */
/** `/buildByToken/...`: a job's build token is the authority (src/web/server.ts, buildCause). */
const PUBLIC_PATHS = new Set(['/login', '/j_spring_security_check', '/logout', '/crumbIssuer/api/json', '/whoAmI/api/json', '/agent', '/buildByToken/build', '/buildByToken/buildWithParameters']);

/**
 * A build request that carries a build token needs no crumb: the token is the secret a forged
 * request cannot know, and the route refuses the request unless the token is the job's.
 */
const BUILD_BY_TOKEN = /^\/(?:job\/[^/]+\/build(?:WithParameters)?|buildByToken\/build(?:WithParameters)?)$/;

/** Paths that never need a crumb: logging in and out carry no ambient authority to abuse. */
const CRUMB_EXEMPT = new Set(['/j_spring_security_check', '/logout']);

/** An API token as Jenkins makes them: version `11` and 32 hex digits. */
const TOKEN_SHAPE = /^11[0-9a-f]{32}$/;

/** The request's path, without its query string. */
export function pathOf(req: FastifyRequest): string {
  const q = req.url.indexOf('?');
  return q < 0 ? req.url : req.url.slice(0, q);
}

/** Health and metrics: answered by every controller, active or not, to anyone. */
export function isUnguarded(req: FastifyRequest): boolean {
  const path = pathOf(req);
  return path.startsWith('/health/') || path === '/metrics';
}

function decodeBasic(header: string): { user: string; secret: string } {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (m === null) {
    throw new StewardError('STW_AUTH_INVALID', 'the Authorization header must be HTTP Basic: "Basic " and base64 of user:password or user:token');
  }
  const text = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) throw new StewardError('STW_AUTH_INVALID', 'the Authorization header must hold base64 of user:password or user:token');
  return { user: text.slice(0, colon), secret: text.slice(colon + 1) };
}

function invalidFor(user: string): StewardError {
  return new StewardError('STW_AUTH_INVALID', `Invalid password/token for user: ${excerpt(user)}`);
}

/**
 * Checks a user id and password against the realm, throttled and audited: LoginThrottledError
 * while the id or address is locked, STW_AUTH_INVALID when wrong (with `invalidMessage`, else
 * Jenkins' words for HTTP Basic).
 */
export async function passwordLogin(
  security: Security,
  user: string,
  password: string,
  address: string,
  invalidMessage?: string,
): Promise<Authentication & { userId: string }> {
  // Reserved before the hash is awaited: logins arriving together cannot all pass the check.
  const reserved = security.throttle.reserve(user, address);
  if (!reserved.allowed) {
    await security.audit.record({ type: 'login.throttled', userId: user, address, retryAfterMs: reserved.retryAfterMs, lockedBy: reserved.lockedBy });
    throw new LoginThrottledError(reserved.retryAfterMs);
  }
  let auth;
  try {
    auth = await security.realm.authenticate(user, password, { address });
  } catch (err) {
    reserved.attempt.end('abandoned');
    throw err;
  }
  if (auth?.userId === undefined) {
    reserved.attempt.end('failed');
    throw invalidMessage === undefined ? invalidFor(user) : new StewardError('STW_AUTH_INVALID', invalidMessage);
  }
  reserved.attempt.end('succeeded');
  return { ...auth, userId: auth.userId };
}

/** Who a request is, and how they said so. */
export interface RequestIdentity {
  readonly auth: Authentication;
  readonly via: 'anonymous' | 'token' | 'password' | 'session';
  readonly session: Session | undefined;
}

const ANONYMOUS_IDENTITY: RequestIdentity = { auth: ANONYMOUS, via: 'anonymous', session: undefined };

/**
 * Who a request is from its Authorization header (HTTP Basic: an API token first, since that is
 * one hash and a map lookup when cached, else a password, throttled) or its session cookie.
 * Throws STW_AUTH_INVALID for credentials that are wrong or malformed, STW_LOGIN_THROTTLED for
 * a locked user id or address. No credentials at all is anonymous.
 */
export async function authenticate(security: Security, header: string | undefined, cookie: string | undefined, address: string): Promise<RequestIdentity> {
  if (header !== undefined) {
    const { user, secret } = decodeBasic(header);
    const byToken = TOKEN_SHAPE.test(secret) ? security.realm.authenticateToken(user, secret) : undefined;
    if (byToken !== undefined) return { auth: byToken, via: 'token', session: undefined };
    return { auth: await passwordLogin(security, user, secret, address), via: 'password', session: undefined };
  }
  const users = security.users;
  // A user deleted, or given a new password, since logging in is anonymous.
  const session = cookie === undefined ? undefined : security.sessions.read(cookie, (id) => (users === undefined ? '' : users.sessionSeed(id)));
  if (session === undefined) return ANONYMOUS_IDENTITY;
  const user = users?.get(session.userId);
  return { auth: { userId: user?.id ?? session.userId, groups: [] }, via: 'session', session };
}

/** A user id Jenkins-style clients show: the id, or `anonymous`. */
export function nameOf(auth: Authentication): string {
  return auth.userId ?? ANONYMOUS_NAME;
}

/**
 * The security of the HTTP layer: who a request is (HTTP Basic with an API token or a password,
 * else a session cookie, else anonymous), Overall/Read for everything but the public paths,
 * and CSRF crumbs on POSTs that did not come with an API token.
 */
export async function installAuthentication(app: FastifyInstance, api: StewardApi): Promise<void> {
  await app.register(cookie);
  app.decorateRequest('auth', null as unknown as Authentication);
  app.decorateRequest('authVia', 'anonymous');
  app.decorateRequest('session', undefined);

  // Push notifications' URLs: anyone may call them, without a crumb, as in Jenkins (see notify-routes.ts).
  const rootActions = api.rootActions().map((a) => `/${a.urlName}`);
  const isRootAction = (path: string) => rootActions.some((p) => path === p || path.startsWith(`${p}/`));

  app.addHook('onRequest', async (req, reply) => {
    if (isUnguarded(req)) return;
    const path = pathOf(req);
    const security = api.security();
    if (security === undefined) throw new StewardError('STW_NOT_ACTIVE', 'this controller is not active; ask the active controller');
    const who = await authenticate(security, req.headers.authorization, req.cookies[SESSION_COOKIE], req.ip);
    req.auth = who.auth;
    req.authVia = who.via;
    req.session = who.session;
    if (PUBLIC_PATHS.has(path) || isRootAction(path)) return;
    if (req.auth.userId === undefined && !security.strategy.hasPermission(req.auth, Permissions.READ)) {
      // A browser goes to the login page; a client is told to authenticate. Not audited: it is
      // every request before a login, and anyone could fill the audit log with them.
      if (req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
        await reply.redirect(`/login?from=${encodeURIComponent(req.url)}`, 302);
        return reply;
      }
      checkPermission(security.strategy, req.auth, Permissions.READ);
    }
    requirePermission(req, security, Permissions.READ);
  });

  // As Jenkins' CrumbFilter: POST only. A page of another site can send a browser's cookies with a
  // GET or a form POST, never with a DELETE or PUT (those need a CORS preflight, never granted).
  app.addHook('preHandler', async (req) => {
    if (req.method !== 'POST') return;
    if (req.authVia === 'token') return;
    if (isUnguarded(req) || CRUMB_EXEMPT.has(pathOf(req)) || isRootAction(pathOf(req))) return;
    if (BUILD_BY_TOKEN.test(pathOf(req)) && typeof (req.query as Record<string, unknown>).token === 'string') return;
    const security = api.security();
    if (security === undefined) return;
    const body = req.body !== null && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
    const fromBody = body[security.crumbs.crumbRequestField] ?? body['.crumb'];
    const header = req.headers[security.crumbs.crumbRequestField.toLowerCase()];
    const crumb = typeof header === 'string' ? header : typeof fromBody === 'string' ? fromBody : undefined;
    if (!security.crumbs.validate(req.auth.userId, req.session?.id ?? '', crumb)) {
      await security.audit.record({ type: 'crumb.rejected', userId: req.auth.userId, address: req.ip });
      security.crumbs.check(req.auth.userId, req.session?.id ?? '', crumb);
    }
  });
}

/** The security of a request that passed the authentication hook. */
export function securityOf(api: StewardApi): Security {
  const security = api.security();
  if (security === undefined) throw new StewardError('STW_NOT_ACTIVE', 'this controller is not active; ask the active controller');
  return security;
}

/**
 * Throws STW_AUTH_REQUIRED or STW_FORBIDDEN (audited) unless the request's user has the
 * permission, on the job when one is given (its project matrix grants count).
 */
export function requirePermission(req: FastifyRequest, security: Security, permission: Permission, job?: Job): void {
  const context = job === undefined ? undefined : security.jobContext(job.definition);
  try {
    checkPermission(security.strategy, req.auth, permission, context);
  } catch (err) {
    void security.audit
      .record({ type: 'permission.denied', userId: req.auth.userId, permission: permission.id, ...(job === undefined ? {} : { target: job.name }), address: req.ip })
      .catch((e: unknown) => req.log.warn({ err: e }, 'could not write the audit log'));
    throw err;
  }
}

/** Whether the request's user may see the job (Job/Read); jobs they may not see do not exist for them. */
export function canRead(req: FastifyRequest, security: Security, job: Job): boolean {
  return security.strategy.hasPermission(req.auth, Permissions.ITEM_READ, security.jobContext(job.definition));
}

/**
 * The job by name, as the request's user may see it: STW_JOB_NOT_FOUND, with the same words,
 * for a job that does not exist and one they may not read (Jenkins answers 404 for both unless
 * they have Job/Discover, then 403).
 */
export function readableJob(req: FastifyRequest, api: StewardApi, name: string | undefined): Job {
  const security = securityOf(api);
  const job = api.jobs.get(name ?? '');
  if (job !== undefined && canRead(req, security, job)) return job;
  if (job !== undefined && security.strategy.hasPermission(req.auth, Permissions.ITEM_DISCOVER, security.jobContext(job.definition))) {
    requirePermission(req, security, Permissions.ITEM_READ, job);
  }
  throw new StewardError('STW_JOB_NOT_FOUND', `no job named "${excerpt(name ?? '')}"`);
}

/** Whether the browser reaches the controller over https: the request, or the configured URL (a TLS proxy in front). */
function overHttps(req: FastifyRequest, api: StewardApi): boolean {
  return req.protocol === 'https' || api.configuredRootUrl()?.startsWith('https:') === true;
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, Secure over https. */
export function setSessionCookie(reply: FastifyReply, req: FastifyRequest, api: StewardApi, value: string): void {
  reply.setCookie(SESSION_COOKIE, value, { path: '/', httpOnly: true, sameSite: 'lax', secure: overHttps(req, api) });
}

export function clearSessionCookie(reply: FastifyReply, req: FastifyRequest, api: StewardApi): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: overHttps(req, api) });
}
