import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { StewardError, excerpt } from '../errors/index.js';
import { Permissions, type Security } from '../security/index.js';
import { parsePostedCredentials, parsePostedUpdate, type CredentialsInfo } from '../security/credentials/index.js';
import type { StewardApi } from './api.js';
import { nameOf, requirePermission, securityOf } from './auth.js';

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | undefined> }>;

/** The global domain of the system store, at the credentials plugin's URLs (also under /manage). */
const DOMAINS = ['/credentials/store/system/domain/_', '/manage/credentials/store/system/domain/_'];

const TYPE_NAMES: Record<string, string> = {
  usernamePassword: 'Username with password',
  string: 'Secret text',
  sshPrivateKey: 'SSH Username with private key',
  file: 'Secret file',
  other: 'Credentials',
};

/** The credentials plugin's JSON of one credential, with Steward's fields; never a secret. */
function credentialJson(c: CredentialsInfo): Record<string, unknown> {
  const name = c.username === undefined ? c.id : `${c.username}/****`;
  return {
    _class: c.className,
    id: c.id,
    description: c.description,
    displayName: c.description === '' ? name : `${name} (${c.description})`,
    fullName: `system/_/${c.id}`,
    typeName: TYPE_NAMES[c.kind] ?? 'Credentials',
    kind: c.kind,
    scope: c.scope,
    ...(c.username === undefined ? {} : { username: c.username }),
    ...(c.fileName === undefined ? {} : { fileName: c.fileName }),
  };
}

function xmlBody(req: FastifyRequest): string {
  if (typeof req.body !== 'string') {
    throw new StewardError('STW_CONFIG_INVALID', "post the credentials' XML with Content-Type: application/xml");
  }
  return req.body;
}

/**
 * The system credentials store at the credentials plugin's REST URLs: list, show, create and
 * update from XML, delete. Overall/Administer for all of it (the system store is the
 * controller's). No answer holds a secret value, in clear or encrypted.
 */
export function registerCredentialsRoutes(app: FastifyInstance, api: StewardApi, sendJson: (req: Req, reply: FastifyReply, value: unknown) => Promise<void>): void {
  const admin = (req: FastifyRequest): Security => {
    const security = securityOf(api);
    requirePermission(req, security, Permissions.ADMINISTER);
    return security;
  };
  const existing = (security: Security, id: string | undefined): CredentialsInfo => {
    const info = security.credentials.info(id ?? '');
    if (info === undefined) throw new StewardError('STW_CREDENTIALS_NOT_FOUND', `no credentials with the id '${excerpt(id ?? '')}'`);
    return info;
  };

  for (const base of DOMAINS) {
    app.get(`${base}/api/json`, async (req: Req, reply) => {
      const security = admin(req);
      await sendJson(req, reply, {
        _class: 'com.cloudbees.plugins.credentials.CredentialsStoreAction$DomainWrapper',
        displayName: 'Global credentials (unrestricted)',
        fullDisplayName: 'System » Global credentials (unrestricted)',
        fullName: 'system/_',
        global: true,
        urlName: '_',
        credentials: security.credentials.list().map(credentialJson),
      });
    });

    app.get(`${base}/credential/:id/api/json`, async (req: Req, reply) => {
      await sendJson(req, reply, credentialJson(existing(admin(req), req.params.id)));
    });

    app.post(`${base}/createCredentials`, async (req: Req, reply) => {
      const security = admin(req);
      const created = await security.credentials.create(await parsePostedCredentials(xmlBody(req), security.keys), nameOf(req.auth));
      await reply.status(200).header('Location', `${base}/credential/${encodeURIComponent(created.id)}/`).send('');
    });

    app.post(`${base}/credential/:id/config.xml`, async (req: Req, reply) => {
      const security = admin(req);
      const info = existing(security, req.params.id);
      await security.credentials.update(info.id, await parsePostedUpdate(xmlBody(req), info.id, security.keys), nameOf(req.auth));
      await reply.status(200).send('');
    });

    app.post(`${base}/credential/:id/doDelete`, async (req: Req, reply) => {
      const security = admin(req);
      await security.credentials.delete(existing(security, req.params.id).id, nameOf(req.auth));
      await reply.status(302).header('Location', `${base}/`).send('');
    });

    // DELETE of config.xml deletes, as on every Jenkins item.
    app.delete(`${base}/credential/:id/config.xml`, async (req: Req, reply) => {
      const security = admin(req);
      await security.credentials.delete(existing(security, req.params.id).id, nameOf(req.auth));
      await reply.status(200).send('');
    });
  }
}
