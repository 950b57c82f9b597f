import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { StewardError, excerpt } from '../errors/index.js';
import { Permissions, idKey, type Security, type User, type UserStore } from '../security/index.js';
import type { StewardApi } from './api.js';
import { formField } from './form.js';
import { sameOriginPath } from './redirect-target.js';
import { clearSessionCookie, nameOf, passwordLogin, requirePermission, securityOf, setSessionCookie } from './auth.js';

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | undefined> }>;

export interface SecurityRouteHelpers {
  rootOf(req: FastifyRequest): string;
  sendJson(req: Req, reply: FastifyReply, value: unknown): Promise<void>;
  page(reply: FastifyReply, title: string, bodyHtml?: string): Promise<void>;
}

const TOKEN_PROPERTY = 'descriptorByName/jenkins.security.ApiTokenProperty';

/**
 * The largest login form accepted. A user id and a password fit many times over; anyone may post
 * here, and what they post can reach the audit log.
 */
export const LOGIN_BODY_LIMIT = 64 * 1024;

function requireField(req: Req, name: string): string {
  const v = formField(req, name);
  if (v === undefined || v === '') throw new StewardError('STW_REQUEST_INVALID', `${name} is required`, { field: name });
  return v;
}

function usersOf(security: Security): UserStore {
  const users = security.users;
  if (users === undefined) {
    throw new StewardError('STW_REQUEST_INVALID', `users are managed by the security realm ${security.realm.id}, not by Steward`);
  }
  return users;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Logging in and out, crumbs, who am I, users and their API tokens, at Jenkins' URLs:
 * /j_spring_security_check, /crumbIssuer/api/json, /whoAmI/api/json, /me and /user/ID,
 * .../descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken and /revoke, and
 * /securityRealm/createAccountByAdmin.
 */
export function registerSecurityRoutes(app: FastifyInstance, api: StewardApi, h: SecurityRouteHelpers): void {
  const userJson = (req: FastifyRequest, user: User | undefined) => ({
    _class: 'hudson.model.User',
    absoluteUrl: `${h.rootOf(req)}user/${encodeURIComponent(user?.id ?? 'anonymous')}`,
    description: null,
    fullName: user?.fullName ?? 'anonymous',
    id: user?.id ?? 'anonymous',
    property: [],
  });

  app.get('/login', async (req: Req, reply) => {
    const from = escapeHtml(sameOriginPath(req.query.from));
    await h.page(
      reply,
      'Sign in to Steward',
      `<form method="post" action="j_spring_security_check"><input type="hidden" name="from" value="${from}">` +
        '<p><label>User <input name="j_username" autocomplete="username" autofocus></label></p>' +
        '<p><label>Password <input name="j_password" type="password" autocomplete="current-password"></label></p>' +
        '<p><button type="submit">Sign in</button></p></form>',
    );
  });

  app.post('/j_spring_security_check', { bodyLimit: LOGIN_BODY_LIMIT }, async (req: Req, reply) => {
    const security = securityOf(api);
    const user = requireField(req, 'j_username');
    const password = formField(req, 'j_password') ?? '';
    const auth = await passwordLogin(security, user, password, req.ip, 'Invalid username or password');
    const { cookie } = security.sessions.issue(auth.userId, security.users?.sessionSeed(auth.userId) ?? '');
    setSessionCookie(reply, req, api, cookie);
    await reply.redirect(sameOriginPath(formField(req, 'from')), 302);
  });

  const logout = async (req: Req, reply: FastifyReply): Promise<void> => {
    if (req.session !== undefined) securityOf(api).sessions.revoke(req.session);
    clearSessionCookie(reply, req, api);
    await reply.redirect('/', 302);
  };
  app.get('/logout', logout);
  app.post('/logout', logout);

  app.get('/crumbIssuer/api/json', async (req: Req, reply) => {
    await h.sendJson(req, reply, securityOf(api).crumbs.json(req.auth.userId, req.session?.id ?? ''));
  });

  app.get('/whoAmI/api/json', async (req: Req, reply) => {
    const anonymous = req.auth.userId === undefined;
    await h.sendJson(req, reply, {
      _class: 'hudson.security.WhoAmI',
      anonymous,
      authenticated: !anonymous,
      authorities: anonymous ? ['anonymous'] : ['authenticated', ...req.auth.groups],
      name: nameOf(req.auth),
      toString: anonymous ? 'anonymous' : `user ${nameOf(req.auth)}`,
    });
  });

  app.get('/me/api/json', async (req: Req, reply) => {
    const user = req.auth.userId === undefined ? undefined : securityOf(api).users?.get(req.auth.userId);
    const fallback: User | undefined = req.auth.userId === undefined ? undefined : { id: req.auth.userId, fullName: req.auth.userId, directory: '' };
    await h.sendJson(req, reply, userJson(req, user ?? fallback));
  });

  const requireUser = (id: string | undefined): User => {
    const user = usersOf(securityOf(api)).get(id ?? '');
    if (user === undefined) throw new StewardError('STW_USER_NOT_FOUND', `no user "${excerpt(id ?? '')}"`);
    return user;
  };

  // Jenkins' People view: every user of the built-in realm (Overall/Read, as in Jenkins).
  const people = async (req: Req, reply: FastifyReply): Promise<void> => {
    const users = usersOf(securityOf(api)).list();
    await h.sendJson(req, reply, {
      _class: 'hudson.model.View$People',
      users: users.map((u) => ({
        lastChange: null,
        project: null,
        user: { absoluteUrl: `${h.rootOf(req)}user/${encodeURIComponent(u.id)}`, fullName: u.fullName, id: u.id },
      })),
    });
  };
  app.get('/people/api/json', people);
  app.get('/asynchPeople/api/json', people);

  app.get('/user/:user/api/json', async (req: Req, reply) => {
    await h.sendJson(req, reply, userJson(req, requireUser(req.params.user)));
  });

  /** The user a token request is about: `/me/...` is the caller; others are the caller themself or need Administer. */
  const tokenOwner = (req: Req, selfOnly: boolean): User => {
    const security = securityOf(api);
    if (req.auth.userId === undefined) requirePermission(req, security, Permissions.ADMINISTER);
    const id = req.params.user ?? req.auth.userId ?? '';
    const user = requireUser(id);
    const self = req.auth.userId !== undefined && idKey(req.auth.userId) === idKey(user.id);
    if (!self) {
      if (selfOnly) throw new StewardError('STW_FORBIDDEN', `${nameOf(req.auth)} may not make API tokens for ${user.id}; only ${user.id} can`);
      requirePermission(req, security, Permissions.ADMINISTER);
    }
    return user;
  };

  const generate = async (req: Req, reply: FastifyReply): Promise<void> => {
    const user = tokenOwner(req, true);
    const name = (formField(req, 'newTokenName') ?? '').trim() || `token created on ${new Date().toISOString()}`;
    const created = await usersOf(securityOf(api)).createToken(user.id, name, nameOf(req.auth));
    await reply.send({ status: 'ok', data: { tokenName: created.name, tokenUuid: created.uuid, tokenValue: created.token } });
  };
  app.post(`/me/${TOKEN_PROPERTY}/generateNewToken`, generate);
  app.post(`/user/:user/${TOKEN_PROPERTY}/generateNewToken`, generate);

  const revoke = async (req: Req, reply: FastifyReply): Promise<void> => {
    const user = tokenOwner(req, false);
    await usersOf(securityOf(api)).revokeToken(user.id, requireField(req, 'tokenUuid'), nameOf(req.auth));
    await reply.send({ status: 'ok' });
  };
  app.post(`/me/${TOKEN_PROPERTY}/revoke`, revoke);
  app.post(`/user/:user/${TOKEN_PROPERTY}/revoke`, revoke);

  // Steward's own: the tokens of a user, without their values (which are never kept).
  const listTokens = async (req: Req, reply: FastifyReply): Promise<void> => {
    const user = tokenOwner(req, false);
    const tokens = usersOf(securityOf(api)).listTokens(user.id).map((t) => ({ uuid: t.uuid, name: t.name, creationDate: t.creationDate.toISOString() }));
    await h.sendJson(req, reply, { _class: 'steward.ApiTokens', user: user.id, tokens });
  };
  app.get('/me/apiTokens/api/json', listTokens);
  app.get('/user/:user/apiTokens/api/json', listTokens);

  app.post('/securityRealm/createAccountByAdmin', async (req: Req, reply) => {
    const security = securityOf(api);
    requirePermission(req, security, Permissions.ADMINISTER);
    const id = requireField(req, 'username');
    const password = requireField(req, 'password1');
    if (formField(req, 'password2') !== undefined && formField(req, 'password2') !== password) {
      throw new StewardError('STW_REQUEST_INVALID', 'password1 and password2 differ', { field: 'password2' });
    }
    const user = await usersOf(security).createUser(id, password, formField(req, 'fullname') ?? id, nameOf(req.auth));
    await reply.status(302).header('Location', `${h.rootOf(req)}user/${encodeURIComponent(user.id)}/`).send('');
  });

  app.post('/user/:user/doDelete', async (req: Req, reply) => {
    const security = securityOf(api);
    requirePermission(req, security, Permissions.ADMINISTER);
    const user = requireUser(req.params.user);
    if (req.auth.userId !== undefined && idKey(req.auth.userId) === idKey(user.id)) {
      throw new StewardError('STW_REQUEST_INVALID', `${user.id} cannot delete their own account`);
    }
    await usersOf(security).delete(user.id, nameOf(req.auth));
    await reply.status(302).header('Location', h.rootOf(req)).send('');
  });

  // Steward's own: set a password (the user themself, or an administrator).
  app.post('/user/:user/password', async (req: Req, reply) => {
    const security = securityOf(api);
    const user = requireUser(req.params.user);
    if (req.auth.userId === undefined || idKey(req.auth.userId) !== idKey(user.id)) requirePermission(req, security, Permissions.ADMINISTER);
    await usersOf(security).setPassword(user.id, requireField(req, 'password'), nameOf(req.auth));
    await reply.status(204).send();
  });
}
