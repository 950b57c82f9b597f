import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { StewardError, excerpt } from '../errors/index.js';
import { BUILT_IN_NODE, DUMB_SLAVE_TYPES, parseAgentForm, type Computer } from '../nodes/index.js';
import { Permissions } from '../security/index.js';
import { escapeText } from '../xml/index.js';
import type { StewardApi } from './api.js';
import { nameOf, requirePermission, securityOf } from './auth.js';
import { formField } from './form.js';
import { computerJson, type CanSeeJob } from './model.js';
import { wholeNumber } from './whole-number.js';

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | undefined> }>;

export interface NodesRouteHelpers {
  rootOf(req: FastifyRequest): string;
  sendJson(req: Req, reply: FastifyReply, value: unknown): Promise<void>;
  page(reply: FastifyReply, title: string, bodyHtml?: string): Promise<void>;
  canSeeJob(req: FastifyRequest): CanSeeJob;
}

/** Names of the built-in node in /computer/NAME/ URLs. */
const BUILT_IN_ALIASES = new Set(['(built-in)', '(master)', 'Built-In Node', BUILT_IN_NODE]);

/** The node form (a name, a type and the fields as JSON) is a few hundred bytes. */
const CREATE_BODY_LIMIT = 256 * 1024;
/** The reason given when a node is taken offline; it is kept in memory and shown to readers. */
const OFFLINE_MESSAGE_MAX = 1024;

/** The media type of Java Web Start files, as Jenkins serves jenkins-agent.jnlp. */
const JNLP_TYPE = 'application/x-java-jnlp-file';

/**
 * Nodes at Jenkins' URLs and with its permissions (Agent/Create, Configure, Delete, Connect,
 * Disconnect): the list and each node's JSON, creating a node from the form python-jenkins'
 * create_node posts, its config.xml (read and replace), deleting it, taking it offline and back,
 * and the agent's JNLP file, which holds its secret. The built-in node is listed and can be taken
 * offline; it has no config.xml, JNLP file or deletion, as in Jenkins.
 */
export function registerNodesRoutes(app: FastifyInstance, api: StewardApi, h: NodesRouteHelpers): void {
  /** The computer a URL names; Jenkins calls the built-in node "(built-in)" ("(master)" before 2.307). */
  const computerOf = (given: string | undefined): Computer => {
    const name = given ?? '';
    const computer = BUILT_IN_ALIASES.has(name) ? api.computers()[0] : api.nodes.get(name);
    if (computer === undefined) throw new StewardError('STW_NODE_NOT_FOUND', `no node named "${excerpt(name)}"; the built-in node is "(built-in)"`);
    return computer;
  };
  /** The agent a URL names: for what the built-in node does not have (Jenkins answers 400). */
  const agentOf = (given: string | undefined, doing: string): Computer => {
    const computer = computerOf(given);
    if (computer.name === BUILT_IN_NODE) {
      throw new StewardError('STW_REQUEST_INVALID', `the built-in node ${doing}; its settings are in the home's config.xml`);
    }
    return computer;
  };
  const urlOf = (req: FastifyRequest, computer: Computer): string => `${h.rootOf(req)}computer/${computer.name === BUILT_IN_NODE ? '(built-in)' : encodeURIComponent(computer.name)}/`;

  // Where doCreateItem and doDelete send the client (Jenkins' node list), and toggleOffline (the node's page).
  app.get('/computer/', async (_req, reply) => h.page(reply, 'Nodes'));
  app.get('/computer/:name/', async (req: Req, reply) => h.page(reply, computerOf(req.params.name).name));

  app.get('/computer/api/json', async (req: Req, reply) => {
    const computers = api.computers();
    // Jenkins' ComputerSet counts the executors of online computers only.
    const online = computers.filter((c) => c.online);
    await h.sendJson(req, reply, {
      _class: 'hudson.model.ComputerSet',
      busyExecutors: online.reduce((n, c) => n + c.executors.filter((e) => !e.idle).length, 0),
      computer: computers.map((c) => computerJson(h.rootOf(req), c, h.canSeeJob(req))),
      displayName: 'Nodes',
      totalExecutors: online.reduce((n, c) => n + c.numExecutors, 0),
    });
  });

  // python-jenkins' get_running_builds asks for the built-in node by its display name,
  // "Built-In Node", which Jenkins answers 404; Steward answers it.
  app.get('/computer/:name/api/json', async (req: Req, reply) => {
    await h.sendJson(req, reply, computerJson(h.rootOf(req), computerOf(req.params.name), h.canSeeJob(req)));
  });

  // ComputerSet.doDoCreateItem: `name`, `type` (a permanent agent) and the fields as `json`.
  app.post('/computer/doCreateItem', { bodyLimit: CREATE_BODY_LIMIT }, async (req: Req, reply) => {
    requirePermission(req, securityOf(api), Permissions.COMPUTER_CREATE);
    const name = formField(req, 'name');
    // Jenkins' words (ComputerSet.checkName).
    if (name === undefined) throw new StewardError('STW_NAME_INVALID', "Query parameter 'name' is required", { field: 'name' });
    const type = formField(req, 'type');
    if (type === undefined || !DUMB_SLAVE_TYPES.has(type)) {
      const given = type === undefined ? 'no type' : `type "${excerpt(type)}"`;
      throw new StewardError('STW_REQUEST_INVALID', `${given}: the node type must be hudson.slaves.DumbSlave (a permanent agent), the one kind of node Steward runs`, { field: 'type' });
    }
    const json = formField(req, 'json');
    if (json === undefined) {
      throw new StewardError('STW_REQUEST_INVALID', "the node's fields are missing: post them as the form field json, as python-jenkins' create_node does", { field: 'json' });
    }
    await api.nodes.create(name, parseAgentForm(json), nameOf(req.auth));
    await reply.status(302).header('Location', `${h.rootOf(req)}computer/`).send('');
  });

  app.get('/computer/:name/config.xml', async (req: Req, reply) => {
    const computer = agentOf(req.params.name, 'has no config.xml of its own');
    requirePermission(req, securityOf(api), Permissions.COMPUTER_EXTENDED_READ);
    await reply.header('content-type', 'application/xml;charset=utf-8').send(api.nodes.configXml(computer.name));
  });

  // Bounded as a job's config.xml is: by the XML limits (4 MiB...) under the body limit.
  app.post('/computer/:name/config.xml', async (req: Req, reply) => {
    const computer = agentOf(req.params.name, 'has no config.xml of its own');
    requirePermission(req, securityOf(api), Permissions.COMPUTER_CONFIGURE);
    if (typeof req.body !== 'string' || req.body.trim() === '') {
      throw new StewardError('STW_CONFIG_INVALID', "the node's config.xml is required as the body (Content-Type: application/xml)");
    }
    await api.nodes.update(computer.name, req.body, nameOf(req.auth));
    await reply.status(200).send('');
  });

  app.post('/computer/:name/doDelete', async (req: Req, reply) => {
    const computer = agentOf(req.params.name, 'cannot be deleted');
    requirePermission(req, securityOf(api), Permissions.COMPUTER_DELETE);
    await api.nodes.delete(computer.name, nameOf(req.auth));
    await reply.status(302).header('Location', `${h.rootOf(req)}computer/`).send('');
  });

  // Computer.doToggleOffline: Agent/Disconnect to take it offline, Agent/Connect to bring it back.
  app.post('/computer/:name/toggleOffline', { bodyLimit: 64 * 1024 }, async (req: Req, reply) => {
    const computer = computerOf(req.params.name);
    const security = securityOf(api);
    const by = nameOf(req.auth);
    if (computer.temporarilyOffline) {
      requirePermission(req, security, Permissions.COMPUTER_CONNECT);
      api.setTemporarilyOffline(computer, undefined, by);
    } else {
      requirePermission(req, security, Permissions.COMPUTER_DISCONNECT);
      const message = (formField(req, 'offlineMessage') ?? '').trim();
      if (message.length > OFFLINE_MESSAGE_MAX) {
        throw new StewardError('STW_REQUEST_INVALID', `offlineMessage is at most ${OFFLINE_MESSAGE_MAX} characters; this one has ${message.length}`, { field: 'offlineMessage' });
      }
      api.setTemporarilyOffline(computer, { reason: message, by }, by);
    }
    await reply.status(302).header('Location', urlOf(req, computer)).send('');
  });

  // SlaveComputer's jenkins-agent.jnlp (slave-agent.jnlp before Jenkins 2.333): the agent's secret
  // and name as the first two <argument>s, for users with Agent/Connect only.
  const agentFile = async (req: Req, reply: FastifyReply): Promise<void> => {
    const given = req.params.name ?? '';
    const computer = BUILT_IN_ALIASES.has(given) ? undefined : api.nodes.get(given);
    if (computer === undefined) throw new StewardError('STW_NODE_NOT_FOUND', `no agent named "${excerpt(given)}"`);
    requirePermission(req, securityOf(api), Permissions.COMPUTER_CONNECT);
    const secret = api.nodes.agentSecret(computer.name);
    req.log.info({ node: computer.name, user: nameOf(req.auth) }, `gave ${nameOf(req.auth)} the agent file of node ${computer.name}, with its secret`);
    await reply
      .header('content-type', JNLP_TYPE)
      // It holds a secret: not for caches on the way.
      .header('cache-control', 'no-store')
      .send(jnlpFile(h.rootOf(req), computer, secret));
  };
  app.get('/computer/:name/jenkins-agent.jnlp', agentFile);
  app.get('/computer/:name/slave-agent.jnlp', agentFile);

  // Steward's own: change the built-in node's executor count at run time.
  app.post('/computer/(built-in)/setNumExecutors', async (req: Req, reply) => {
    requirePermission(req, securityOf(api), Permissions.ADMINISTER);
    const text = formField(req, 'numExecutors');
    const n = wholeNumber(text);
    if (n === undefined) {
      throw new StewardError('STW_REQUEST_INVALID', `numExecutors must be a whole number, not "${excerpt(text ?? '')}"`, { field: 'numExecutors' });
    }
    await api.setBuiltInExecutors(n);
    await reply.status(204).send();
  });
}

/**
 * The JNLP file Jenkins serves an inbound agent (jenkins-agent.jnlp.jelly), on one line as Jenkins
 * writes it, so that the scripts that cut the secret out of it with sed work: the secret and the
 * node's name are the first two arguments, then its root folder and the controller's URL.
 */
function jnlpFile(root: string, computer: Computer, secret: string): string {
  const e = escapeText;
  const name = computer.name;
  const args = [secret, name, '-workDir', computer.node.remoteFS, '-internalDir', 'remoting', '-url', root];
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<jnlp codebase="${e(`${root}computer/${encodeURIComponent(name)}/`)}" spec="1.0+">` +
    `<information><title>Agent for ${e(name)}</title><vendor>Jenkins project</vendor><homepage href="https://jenkins-ci.org/"/></information>` +
    '<security><all-permissions/></security>' +
    `<resources><j2se version="1.8+"/><jar href="${e(`${root}jnlpJars/remoting.jar`)}"/><property name="hudson.showWindowsServiceInstallLink" value="true"/></resources>` +
    `<application-desc main-class="hudson.remoting.jnlp.Main">${args.map((a) => `<argument>${e(a)}</argument>`).join('')}</application-desc>` +
    '</jnlp>\n'
  );
}
