import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { StewardError, coerceError, excerpt, isStewardError } from '../errors/index.js';
import type { FileRange } from '../home/index.js';
import { SCM_POLLING_LOG, type Cause, type Job } from '../jobs/index.js';
import { QueueFullError } from '../queue/index.js';
import type { Permission } from '../security/index.js';
import type { StewardApi } from './api.js';
import { STATUS_OF } from './errors.js';
import { sendError } from './error-answer.js';
import { warn } from './message-header.js';
import { NOT_RUN_HEADER, sendNotRun } from './not-run-answer.js';
import { installParameterParsing, parseParameters } from './request-parameters.js';
import { wholeNumber } from './whole-number.js';
import { PERMALINKS, buildJson, jobJson, notRunCount, jobSummary, jobUrl, permalinkTarget, queueItemJson } from './model.js';
import { parseTree, render } from './tree.js';
import { formField } from './form.js';
import { canRead, installAuthentication, isUnguarded, nameOf, pathOf, readableJob, requirePermission, securityOf } from './auth.js';
import { registerSecurityRoutes } from './security-routes.js';
import { registerCredentialsRoutes } from './credentials-routes.js';
import { registerNodesRoutes } from './nodes-routes.js';
import { registerAgentRoutes } from './agent-routes.js';
import { registerNotifyRoutes } from './notify-routes.js';
import { NotActiveError, onActive } from './not-active.js';
import { LoginThrottledError, Permissions, constantTimeEqual } from '../security/index.js';

/** The Jenkins version Steward answers to in X-Jenkins; clients pick features by it. */
export const JENKINS_COMPAT_VERSION = '2.479.3';

/** The largest request body accepted (a config.xml, a form). */
const BODY_LIMIT = 16 * 1024 * 1024;

export interface WebServer {
  readonly port: number;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export interface WebServerOptions {
  api: StewardApi;
  logger: Logger;
  port: number;
  host: string;
  /**
   * Addresses and CIDR ranges of reverse proxies: from these peers only, X-Forwarded-For gives
   * the client's address (`req.ip`, which the login throttle and the audit log use).
   */
  trustedProxies?: readonly string[];
}

/** A request whose parameters were each given once (installParameterParsing refuses the others). */
type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | undefined> }>;

/** The root URL as the client sees it, when the home configures none. */
function requestRoot(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}/`;
}

async function sendJson(req: Req, reply: FastifyReply, value: unknown): Promise<void> {
  const treeText = req.query.tree;
  const tree = treeText === undefined || treeText === '' ? undefined : parseTree(treeText);
  const body = await render(value, tree);
  await reply.header('content-type', 'application/json;charset=utf-8').send(JSON.stringify(body));
}

/** A body limit in words: `16 MiB`, `64 KiB`. */
function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`;
}

/** Jenkins' `delay=10sec` (also a bare number of seconds); handover's `timeout` too. */
function parseDelay(text: string | undefined, field = 'delay'): number | undefined {
  if (text === undefined || text === '') return undefined;
  const m = /^([0-9]+)\s*(sec|secs|s)?$/.exec(text.trim());
  const seconds = wholeNumber(m?.[1]);
  if (seconds === undefined || !Number.isSafeInteger(seconds * 1000)) {
    throw new StewardError('STW_REQUEST_INVALID', `${field} "${excerpt(text)}" is not a number of seconds like 10sec`, { field });
  }
  return seconds * 1000;
}

/** A URL the router refused. Its message quotes the whole URL, which may be 16 KiB: only the start is shown. */
function urlRefusal(err: Error): StewardError {
  const message = err.message.replace(/'([^']*)'/g, (_all, url: string) => `'${excerpt(url)}'`);
  return new StewardError('STW_REQUEST_INVALID', `the URL is not valid: ${excerpt(message, 200)}`, { cause: err });
}

/** How long a handover waits for builds that cannot move, unless the request says (`timeout`). */
const DEFAULT_HANDOVER_TIMEOUT_MS = 60_000;
const MAX_HANDOVER_TIMEOUT_MS = 3_600_000;

/** The longest `cause` text a remotely triggered build keeps as its note. */
const MAX_CAUSE_NOTE = 1024;

/** How long the HTTP server waits for open connections to end when it closes. */
const CLOSE_GRACE_MS = 3_000;

export async function createWebServer(opts: WebServerOptions): Promise<WebServer> {
  const { api } = opts;
  /** The root URL of answers: the configured one (Jenkins' "Jenkins URL"), else the request's. */
  const rootOf = (req: FastifyRequest): string => api.configuredRootUrl() ?? requestRoot(req);
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.logger.child({ part: 'web' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { querystringParser: parseParameters },
    ...(opts.trustedProxies === undefined || opts.trustedProxies.length === 0 ? {} : { trustProxy: [...opts.trustedProxies] }),
    // A path with a bad escape (`%zz`) or an overlong parameter, refused before any route.
    frameworkErrors: (err, _req, reply) => {
      void sendError(reply, urlRefusal(err));
    },
  });
  const upgraded = new Set<import('node:stream').Duplex>();
  app.server.on('upgrade', (_req: unknown, socket: import('node:stream').Duplex) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });
  await installParameterParsing(app);
  for (const type of ['application/xml', 'text/xml', 'text/plain']) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  }

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('X-Jenkins', JENKINS_COMPAT_VERSION);
    reply.header('X-Hudson', '1.395');
    reply.header('X-Steward', api.version);
    return payload;
  });

  app.setErrorHandler(async (err, req, reply) => {
    const e = isStewardError(err)
      ? err
      : (err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? new StewardError('STW_REQUEST_TOO_LARGE', `the request body is larger than the limit of ${sizeText(req.routeOptions.bodyLimit)}; nothing was changed`)
        : (err as { statusCode?: number }).statusCode !== undefined && (err as { statusCode: number }).statusCode < 500
          ? new StewardError('STW_REQUEST_INVALID', excerpt((err as Error).message, 200))
          : coerceError(err);
    const status = STATUS_OF[e.code];
    // The path only: a query string can hold a password (`/user/NAME/password?password=`).
    if (status >= 500) req.log.error({ err: e.toJSON(), method: req.method, path: pathOf(req) }, `request failed: ${e.message}`);
    if (status === 401) reply.header('WWW-Authenticate', 'Basic realm="Steward"');
    if (e instanceof LoginThrottledError || e instanceof QueueFullError) reply.header('Retry-After', String(e.retryAfterSeconds));
    await sendError(reply, e);
  });

  app.setNotFoundHandler(async (req, reply) => {
    await sendError(reply, new StewardError('STW_NOT_FOUND', `nothing at ${req.method} ${excerpt(pathOf(req))}`));
  });

  // Only the active controller answers the API; a standby (or a controller that lost its lease)
  // answers health and metrics, and 503 elsewhere, so a load balancer can follow /health/ready.
  // The 503 names the active controller's advertised URL when the home has it, and a browser's
  // page request is sent there.
  app.addHook('onRequest', async (req, reply) => {
    if (isUnguarded(req)) return;
    const r = api.role();
    if (r.ready) return;
    const activeUrl = await api.activeUrl();
    const page = (req.method === 'GET' || req.method === 'HEAD') && (req.headers.accept ?? '').includes('text/html') && req.headers.upgrade === undefined;
    if (activeUrl !== undefined && page) {
      await reply.redirect(onActive(activeUrl, req.url), 302);
      return reply;
    }
    throw new NotActiveError(r.role, activeUrl);
  });
  await installAuthentication(app, api);

  /** The job as the request's user may see it (a job they may not read does not exist for them). */
  const requireJob = (req: FastifyRequest, name: string | undefined) => readableJob(req, api, name);
  /** Whether the request's user may read a job named in an answer (an executor's build, an upstream cause). */
  const canSeeJob = (req: FastifyRequest) => (name: string) => {
    const job = api.jobs.get(name);
    return job !== undefined && canRead(req, securityOf(api), job);
  };
  /** The job, which the request's user must have the permission on. */
  const jobWith = (req: FastifyRequest, name: string | undefined, permission: Permission) => {
    const job = readableJob(req, api, name);
    requirePermission(req, securityOf(api), permission, job);
    return job;
  };

  // --- health and metrics ---
  app.get('/health/live', async () => ({ status: 'live' }));
  app.get('/health/ready', async (_req, reply) => {
    const r = api.role();
    const activeUrl = (await api.activeUrl()) ?? null;
    await reply.status(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not ready', role: r.role, epoch: r.epoch ?? null, activeUrl });
  });
  app.get('/metrics', async (_req, reply) => {
    await reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(await api.metrics.text());
  });

  /** A plain page where Jenkins serves HTML: clients such as python-jenkins follow the 302s there. */
  const page = async (reply: FastifyReply, title: string, bodyHtml?: string): Promise<void> => {
    const esc = escapeHtml(title);
    const body = bodyHtml ?? '<p>Steward answers the JSON API: add api/json to this URL.</p>';
    await reply.header('content-type', 'text/html;charset=utf-8').send(`<!DOCTYPE html><html><head><title>${esc}</title></head><body><h1>${esc}</h1>${body}</body></html>\n`);
  };
  registerSecurityRoutes(app, api, { rootOf, sendJson, page });
  registerCredentialsRoutes(app, api, sendJson);
  registerNodesRoutes(app, api, { rootOf, sendJson, page, canSeeJob });
  await registerAgentRoutes(app, api);
  await registerNotifyRoutes(app, api);

  // --- top level ---
  // python-jenkins' get_version reads X-Jenkins from GET /; doDelete redirects here.
  app.get('/', async (_req, reply) => page(reply, 'Steward'));

  app.get('/api/json', async (req: Req, reply) => {
    const root = rootOf(req);
    const security = securityOf(api);
    const builtIn = api.computers()[0];
    await sendJson(req, reply, {
      _class: 'hudson.model.Hudson',
      assignedLabels: builtIn === undefined ? [] : [...builtIn.labels].map((name) => ({ name })),
      mode: builtIn?.mode ?? 'NORMAL',
      nodeDescription: "the Steward controller's built-in node",
      nodeName: '',
      numExecutors: builtIn?.numExecutors ?? 0,
      description: null,
      jobs: api.jobs.all().filter((j) => canRead(req, security, j)).map((j) => jobSummary(root, api.jobs, j)),
      primaryView: { _class: 'hudson.model.AllView', name: 'all', url: root },
      quietDownReason: api.queue.quietDownReason ?? null,
      quietingDown: api.queue.quietDownReason !== undefined,
      slaveAgentPort: -1,
      url: root,
      useCrumbs: true,
      useSecurity: true,
      views: [{ _class: 'hudson.model.AllView', name: 'all', url: root }],
    });
  });

  app.post('/createItem', async (req: Req, reply) => {
    requirePermission(req, securityOf(api), Permissions.ITEM_CREATE);
    const name = req.query.name;
    if (name === undefined) throw new StewardError('STW_NAME_INVALID', 'createItem needs ?name=', { field: 'name' });
    if (req.query.mode !== undefined) {
      // copy_job: the new job gets the source's config.xml text and no builds; Jenkins answers 302.
      if (req.query.mode !== 'copy') {
        throw new StewardError('STW_REQUEST_INVALID', `createItem mode "${excerpt(req.query.mode)}" is not supported; use mode=copy&from=NAME or a config.xml body`, { field: 'mode' });
      }
      const fromName = req.query.from;
      if (fromName === undefined || fromName === '') throw new StewardError('STW_REQUEST_INVALID', 'createItem?mode=copy needs &from=NAME', { field: 'from' });
      const from = api.jobs.get(fromName);
      if (from === undefined || !canRead(req, securityOf(api), from)) {
        throw new StewardError('STW_REQUEST_INVALID', `no job named "${excerpt(fromName)}" to copy`, { field: 'from' });
      }
      requirePermission(req, securityOf(api), Permissions.ITEM_EXTENDED_READ, from);
      const xml = from.definition.xml;
      if (xml === undefined) throw new StewardError('STW_JOB_BROKEN', `job ${from.name} has no readable config.xml to copy`);
      const copy = await api.jobs.create(name, xml);
      await warn(reply, api.jobs.labelWarning(copy)).status(302).header('Location', jobUrl(rootOf(req), copy.name)).header(NOT_RUN_HEADER, String(notRunCount(copy))).send('');
      return;
    }
    if (typeof req.body !== 'string' || req.body.trim() === '') {
      throw new StewardError('STW_CONFIG_INVALID', 'createItem needs a config.xml body (Content-Type: application/xml)');
    }
    const job = await api.jobs.create(name, req.body);
    await sendNotRun(warn(reply, api.jobs.labelWarning(job)).header('Location', jobUrl(rootOf(req), job.name)), job);
  });

  // --- jobs ---
  app.get('/job/:job/api/json', async (req: Req, reply) => {
    const job = requireJob(req, req.params.job);
    const item = () => api.queue.items().find((i) => i.task === job.name);
    await sendJson(req, reply, jobJson(rootOf(req), api.jobs, job, item, canSeeJob(req)));
  });

  // The target of the 302s after copy, rename, enable, disable, delete build (Jenkins' job page).
  app.get('/job/:job/', async (req: Req, reply) => page(reply, requireJob(req, req.params.job).name));

  app.get('/job/:job/config.xml', async (req: Req, reply) => {
    const job = jobWith(req, req.params.job, Permissions.ITEM_EXTENDED_READ);
    const xml = job.definition.xml ?? '';
    await reply.header('content-type', 'application/xml;charset=utf-8').send(xml);
  });

  app.post('/job/:job/config.xml', async (req: Req, reply) => {
    if (typeof req.body !== 'string' || req.body.trim() === '') {
      throw new StewardError('STW_CONFIG_INVALID', 'a config.xml body is required (Content-Type: application/xml)');
    }
    const job = await api.jobs.updateConfig(jobWith(req, req.params.job, Permissions.ITEM_CONFIGURE).name, req.body);
    await sendNotRun(warn(reply, api.jobs.labelWarning(job)), job);
  });

  app.post('/job/:job/disable', async (req: Req, reply) => {
    const job = await api.jobs.setDisabled(jobWith(req, req.params.job, Permissions.ITEM_CONFIGURE).name, true);
    await reply.status(302).header('Location', jobUrl(rootOf(req), job.name)).send('');
  });

  app.post('/job/:job/enable', async (req: Req, reply) => {
    const job = await api.jobs.setDisabled(jobWith(req, req.params.job, Permissions.ITEM_CONFIGURE).name, false);
    await reply.status(302).header('Location', jobUrl(rootOf(req), job.name)).send('');
  });

  /** Refuses while a build of the job is being started (its queue item is pending). */
  const refuseStarting = (name: string, doing: string): void => {
    if (api.queue.items().some((i) => i.task === name && i.state === 'pending')) {
      throw new StewardError('STW_JOB_BUSY', `job ${name} cannot be ${doing} while a build of it is starting; try again in a moment`);
    }
  };

  app.post('/job/:job/doDelete', async (req: Req, reply) => {
    const job = jobWith(req, req.params.job, Permissions.ITEM_DELETE);
    if (job.running.size > 0) {
      throw new StewardError('STW_JOB_BUSY', `job ${job.name} cannot be deleted while a build of it runs (#${[...job.running.keys()].join(', #')}); stop it first`);
    }
    refuseStarting(job.name, 'deleted');
    // No await between here and Jobs.delete taking the name out: no build can be asked for meanwhile.
    for (const item of api.queue.items()) if (item.task === job.name) api.queue.cancel(item.id);
    await api.jobs.delete(job.name);
    await reply.status(302).header('Location', rootOf(req)).send('');
  });

  app.post('/job/:job/doRename', async (req: Req, reply) => {
    const job = jobWith(req, req.params.job, Permissions.ITEM_CONFIGURE);
    const newName = formField(req, 'newName');
    if (newName === undefined) throw new StewardError('STW_NAME_INVALID', 'doRename needs ?newName=', { field: 'newName' });
    // Queued builds stay queued, under the new name, as in Jenkins; held while the folder moves.
    api.queue.holdForRename(job.name);
    let renamed;
    try {
      renamed = await api.jobs.rename(job.name, newName);
    } catch (err) {
      api.queue.renamed(job.name, job.name);
      throw err;
    }
    api.queue.renamed(job.name, renamed.name);
    await reply.status(302).header('Location', jobUrl(rootOf(req), renamed.name)).send('');
  });

  // python-jenkins' set_next_build_number posts `nextBuildNumber=N` without a Content-Type: read it as a form.
  const formWithoutType = async (req: FastifyRequest): Promise<void> => {
    if (req.headers['content-type'] === undefined) req.headers['content-type'] = 'application/x-www-form-urlencoded';
  };
  app.post('/job/:job/nextbuildnumber/submit', { onRequest: formWithoutType }, async (req: Req, reply) => {
    const job = jobWith(req, req.params.job, Permissions.ITEM_CONFIGURE);
    const text = formField(req, 'nextBuildNumber');
    const n = wholeNumber(text);
    if (n === undefined || n < 1) {
      throw new StewardError('STW_REQUEST_INVALID', `nextBuildNumber must be a whole number of 1 or more, not "${excerpt(text ?? '')}"`, { field: 'nextBuildNumber' });
    }
    await api.jobs.setNextBuildNumber(job, n);
    await reply.status(302).header('Location', jobUrl(rootOf(req), job.name)).send('');
  });

  /**
   * Who may start a build of the job, and why it starts: Jenkins' "Trigger builds remotely"
   * (BuildAuthorizationToken) first. A `token` that is the job's `<authToken>` lets the request
   * build without Job/Build, by GET as well as POST and without a crumb (the token is the secret a
   * forged request lacks), and the cause is the remote host, with the `cause` text as its note. A
   * wrong token is refused, also to who may build otherwise, as is a token given to a job that
   * takes none (the crumb was not asked for). Without a token: Job/Build, by POST.
   */
  const buildCause = (req: Req, reply: FastifyReply, job: Job, byTokenOnly: boolean): Cause => {
    const token = req.query.token;
    if (token !== undefined || byTokenOnly) {
      const expected = authTokenOf(job);
      if (expected === undefined || token === undefined || !constantTimeEqual(token, expected)) {
        throw new StewardError('STW_FORBIDDEN', expected === undefined ? `job ${job.name} takes no build token: set "Trigger builds remotely" (authToken) in its configuration, or build with the Job/Build permission` : 'Invalid token provided.', { field: 'token' });
      }
      const note = req.query.cause;
      if (note !== undefined && note.length > MAX_CAUSE_NOTE) throw new StewardError('STW_REQUEST_INVALID', `cause is ${note.length} characters long; at most ${MAX_CAUSE_NOTE} are kept`, { field: 'cause' });
      const addr = req.ip;
      return { kind: 'remote', shortDescription: `Started by remote host ${addr}${note === undefined ? '' : ` with note: ${note}`}`, addr, ...(note === undefined ? {} : { note }) };
    }
    requirePermission(req, securityOf(api), Permissions.ITEM_BUILD, job);
    if (req.method !== 'POST') {
      void reply.header('Allow', 'POST');
      throw new StewardError('STW_METHOD_NOT_ALLOWED', `a build is started by POST (or by GET with the job's build token); ${req.method} was used`);
    }
    const user = req.auth.userId === undefined ? undefined : securityOf(api).users?.get(req.auth.userId);
    const userName = user?.fullName ?? nameOf(req.auth);
    return { kind: 'user', shortDescription: `Started by user ${userName}`, userId: nameOf(req.auth), userName };
  };
  const authTokenOf = (job: Job): string | undefined => (job.definition.kind === 'freestyle' ? job.definition.parsed.config.authToken : undefined);
  /**
   * The job `/buildByToken/` names: found by its token alone, which stands for Overall/Read and
   * Job/Read; without the right token, only who may read the job learns that it exists.
   */
  const jobByToken = (req: Req): Job => {
    const job = api.jobs.get(req.query.job ?? '');
    const expected = job === undefined ? undefined : authTokenOf(job);
    const token = req.query.token;
    if (job !== undefined && expected !== undefined && token !== undefined && constantTimeEqual(token, expected)) return job;
    if (req.query.job === undefined) throw new StewardError('STW_REQUEST_INVALID', 'the job to build is missing: give job=NAME', { field: 'job' });
    return requireJob(req, req.query.job);
  };

  const scheduleFrom = async (req: Req, reply: FastifyReply, withParameters: boolean, byToken = false): Promise<void> => {
    const job = byToken ? jobByToken(req) : requireJob(req, req.params.job);
    const cause = buildCause(req, reply, job, byToken);
    const given: Record<string, string | undefined> = {};
    if (withParameters) {
      for (const [k, v] of Object.entries(req.query)) if (k !== 'delay' && k !== 'token' && k !== 'cause' && k !== 'tree' && !(byToken && k === 'job')) given[k] = v;
      if (req.body !== null && typeof req.body === 'object') {
        for (const [k, v] of Object.entries(req.body as Record<string, unknown>)) {
          if (k === 'json' || k === 'Submit' || k === 'delay' || typeof v !== 'string') continue;
          given[k] = v;
        }
      }
    }
    const { item, merged } = api.scheduleBuild(job.name, given, cause, parseDelay(req.query.delay));
    try {
      await api.queueSaved(item.id);
    } catch (err) {
      // Refused, so not taken: a new item queue.xml could not be made to hold (a full disk) is
      // withdrawn, unless its build is already being started. One merged into was taken before.
      if (!merged) api.queue.cancel(item.id);
      throw err;
    }
    await reply.status(201).header('Location', `${rootOf(req)}queue/item/${item.id}/`).send('');
  };
  app.post('/job/:job/build', (req: Req, reply) => scheduleFrom(req, reply, false));
  app.post('/job/:job/buildWithParameters', (req: Req, reply) => scheduleFrom(req, reply, true));
  app.get('/job/:job/build', (req: Req, reply) => scheduleFrom(req, reply, false));
  app.get('/job/:job/buildWithParameters', (req: Req, reply) => scheduleFrom(req, reply, true));
  // The Build Authorization Token Root plugin's URLs: a token alone starts a build, without
  // Overall/Read, for scripts that hold no account.
  for (const method of ['GET', 'POST'] as const) {
    app.route({ method, url: '/buildByToken/build', handler: (req: Req, reply) => scheduleFrom(req, reply, false, true) });
    app.route({ method, url: '/buildByToken/buildWithParameters', handler: (req: Req, reply) => scheduleFrom(req, reply, true, true) });
  }

  const recordOf = async (req: Req, permission?: Permission) => {
    const job = permission === undefined ? requireJob(req, req.params.job) : jobWith(req, req.params.job, permission);
    const given = req.params.number ?? '';
    // A permalink (lastBuild, lastSuccessfulBuild...) stands for the build it names now.
    const n = /^[0-9]+$/.test(given) ? wholeNumber(given) : await permalinkTarget(api.jobs, job, given);
    if (n === undefined) {
      throw new StewardError('STW_BUILD_NOT_FOUND', `job ${job.name} has no ${given === 'firstBuild' || Object.hasOwn(PERMALINKS, given) ? given : `build "${excerpt(given)}"`}`);
    }
    const record = await api.jobs.record(job, n);
    if (record === undefined) {
      const unreadable = job.unreadableRecords.get(n);
      // Not the file's text: the message says where it is wrong, for the administrator to look.
      if (unreadable !== undefined) throw new StewardError('STW_BUILD_NOT_FOUND', `build #${n} of ${job.name} cannot be shown: its record cannot be read (${unreadable.message})`, { file: unreadable.file ?? `${job.buildDir(n)}/build.xml`, ...(unreadable.line === undefined ? {} : { line: unreadable.line }), ...(unreadable.column === undefined ? {} : { column: unreadable.column }) });
      throw new StewardError('STW_BUILD_NOT_FOUND', `job ${job.name} has no build #${n}`);
    }
    return { job, record };
  };

  app.get('/job/:job/:number/api/json', async (req: Req, reply) => {
    const { job, record } = await recordOf(req);
    const executor = api
      .computers()
      .flatMap((c) => c.executors)
      .find((e) => 'buildNumber' in e.state && e.state.job === job.name && e.state.buildNumber === record.number);
    await sendJson(req, reply, buildJson(rootOf(req), api.jobs, job, record, executor, canSeeJob(req)));
  });

  // What a plugin added to a build at its urlName (the junit plugin's testReport), as Jenkins
  // serves a Run's actions: Job/Read on the job, 404 when the build has no such action.
  app.get('/job/:job/:number/:action/api/json', async (req: Req, reply) => {
    const { job, record } = await recordOf(req);
    const urlName = req.params.action ?? '';
    const found = api.jobs.runActions(record).find((a) => a.descriptor.urlName === urlName);
    if (found === undefined) throw new StewardError('STW_NOT_FOUND', `${job.name} #${record.number} has no ${excerpt(urlName)}`);
    let answer: Record<string, unknown> | undefined;
    try {
      answer = await found.descriptor.api(found.action, api.jobs.runView(job, record));
    } catch (err) {
      // A file of the build that cannot be read is the home's problem, not the request's: said like a record that cannot be read.
      if (!isStewardError(err, 'STW_CONFIG_INVALID')) throw err;
      throw new StewardError('STW_BUILD_NOT_FOUND', `the ${urlName} of ${job.name} #${record.number} cannot be shown: ${err.message}`, { ...(err.file === undefined ? {} : { file: err.file }) });
    }
    if (answer === undefined) throw new StewardError('STW_NOT_FOUND', `${job.name} #${record.number} has no ${excerpt(urlName)}: its files are gone`);
    await sendJson(req, reply, answer);
  });

  /**
   * Answers a byte range of a file from the file, a chunk at a time and only as fast as the client
   * reads: a reader costs a few buffers, however large the log or artifact.
   */
  const sendRange = async (reply: FastifyReply, contentType: string, range: FileRange | undefined): Promise<void> => {
    reply.header('content-type', contentType).header('content-length', String(range?.length ?? 0));
    await reply.send(range === undefined || range.length === 0 ? Buffer.alloc(0) : range.stream);
  };

  // The job's last polling log (Jenkins' SCMTrigger.SCMAction), as text, for who may read the job.
  const scmPollLog = async (req: Req, reply: FastifyReply): Promise<void> => {
    const job = requireJob(req, req.params.job);
    const text = await api.jobs.store.readText(`jobs/${job.name}/${SCM_POLLING_LOG}`);
    await reply.header('content-type', 'text/plain;charset=utf-8').send(text ?? 'Polling has not run yet.\n');
  };
  app.get('/job/:job/scmPollLog/', scmPollLog);
  app.get('/job/:job/scmPollLog/pollingLog', scmPollLog);

  app.get('/job/:job/:number/consoleText', async (req: Req, reply) => {
    const { job, record } = await recordOf(req);
    await sendRange(reply, 'text/plain;charset=utf-8', await api.jobs.openLog(job, record.number, 0));
  });

  // GET, or POST with a form (the jenkins npm client's build.log), as Stapler serves it.
  const progressiveText = async (req: Req, reply: FastifyReply): Promise<void> => {
    const { job, record } = await recordOf(req);
    const startText = formField(req, 'start');
    const start = startText === undefined ? 0 : wholeNumber(startText);
    if (start === undefined) {
      throw new StewardError('STW_REQUEST_INVALID', `start must be a byte offset of 0 or more, not "${excerpt(startText ?? '')}"`, { field: 'start' });
    }
    // Decide "more data" before reading, so that a build ending between the two is read again.
    const building = job.running.get(record.number)?.building === true;
    // From `start` to the log's size now; what a running build writes later is for the next request.
    const range = await api.jobs.openLog(job, record.number, start);
    reply.header('X-Text-Size', String(start + (range?.length ?? 0)));
    if (building) reply.header('X-More-Data', 'true');
    await sendRange(reply, 'text/plain;charset=utf-8', range);
  };
  app.get('/job/:job/:number/logText/progressiveText', progressiveText);
  app.post('/job/:job/:number/logText/progressiveText', progressiveText);

  app.get('/job/:job/:number/artifact/*', async (req: Req, reply) => {
    const { job, record } = await recordOf(req);
    const rel = req.params['*'] ?? '';
    const found = (await api.jobs.artifacts(job, record.number)).includes(rel);
    if (!found) throw new StewardError('STW_BUILD_NOT_FOUND', `${job.name} #${record.number} has no artifact ${excerpt(rel)}`);
    await sendRange(reply, 'application/octet-stream', await api.jobs.openArtifact(job, record.number, rel));
  });

  // The target of the 302 after stop (Jenkins' build page).
  app.get('/job/:job/:number/', async (req: Req, reply) => {
    const { job, record } = await recordOf(req);
    await page(reply, `${job.name} #${record.number}`);
  });

  app.post('/job/:job/:number/stop', async (req: Req, reply) => {
    const { job, record } = await recordOf(req, Permissions.ITEM_CANCEL);
    api.stopBuild(job.name, record.number, nameOf(req.auth));
    await reply.status(302).header('Location', `${jobUrl(rootOf(req), job.name)}${record.number}/`).send('');
  });

  app.post('/job/:job/:number/doDelete', async (req: Req, reply) => {
    const { job, record } = await recordOf(req, Permissions.RUN_DELETE);
    await api.jobs.deleteBuild(job, record.number);
    await reply.status(302).header('Location', jobUrl(rootOf(req), job.name)).send('');
  });

  // --- plugins ---
  // No plugins: extensions are built in (python-jenkins' get_plugins asks with ?depth=2).
  app.get('/pluginManager/api/json', async (req: Req, reply) => {
    requirePermission(req, securityOf(api), Permissions.ADMINISTER);
    await sendJson(req, reply, { _class: 'hudson.LocalPluginManager', plugins: [] });
  });

  // --- administrative monitors (Jenkins' "Manage Jenkins" page) ---
  app.get('/manage/api/json', async (req: Req, reply) => {
    requirePermission(req, securityOf(api), Permissions.ADMINISTER);
    await sendJson(req, reply, { _class: 'hudson.model.ManageJenkinsAction', administrativeMonitors: api.administrativeMonitors().map((m) => ({ id: m.id, message: m.message })) });
  });
  app.get('/manage', async (req: Req, reply) => {
    requirePermission(req, securityOf(api), Permissions.ADMINISTER);
    const monitors = api.administrativeMonitors();
    const body = monitors.length === 0 ? '<p>Nothing needs your attention.</p>' : `<ul>${monitors.map((m) => `<li class="warning" id="${escapeHtml(m.id)}">${escapeHtml(m.message)}</li>`).join('')}</ul>`;
    await page(reply, 'Manage Steward', body);
  });

  // --- high availability ---
  // A planned handover to a standby (docs/operations/ha.md); the answer says what was handed
  // over, and then this controller stops.
  app.post('/manage/ha/handover', async (req: Req, reply) => {
    requirePermission(req, securityOf(api), Permissions.ADMINISTER);
    const text = formField(req, 'timeout');
    const timeoutMs = parseDelay(text, 'timeout') ?? DEFAULT_HANDOVER_TIMEOUT_MS;
    if (timeoutMs > MAX_HANDOVER_TIMEOUT_MS) {
      throw new StewardError('STW_REQUEST_INVALID', `timeout must be at most ${MAX_HANDOVER_TIMEOUT_MS / 1000} seconds, not "${excerpt(text ?? '')}"`, { field: 'timeout' });
    }
    const report = await api.handOver({ timeoutMs, by: nameOf(req.auth) });
    await reply.header('content-type', 'application/json;charset=utf-8').send(JSON.stringify(report));
  });

  // --- queue ---
  app.get('/queue/api/json', async (req: Req, reply) => {
    const root = rootOf(req);
    const security = securityOf(api);
    await sendJson(req, reply, {
      _class: 'hudson.model.Queue',
      discoverableItems: [],
      items: api.queue
        .items()
        .filter((i) => {
          const job = api.jobs.get(i.task);
          return job !== undefined && canRead(req, security, job);
        })
        .map((i) => queueItemJson(root, i, api.jobs, canSeeJob(req))),
    });
  });

  app.get('/queue/item/:id/api/json', async (req: Req, reply) => {
    const id = wholeNumber(req.params.id);
    const found = id === undefined ? undefined : api.queue.get(id);
    const job = found === undefined ? undefined : api.jobs.get(found.task);
    const item = job !== undefined && canRead(req, securityOf(api), job) ? found : undefined;
    if (item === undefined) throw new StewardError('STW_QUEUE_ITEM_NOT_FOUND', `no queue item #${excerpt(req.params.id ?? '')}`);
    await sendJson(req, reply, queueItemJson(rootOf(req), item, api.jobs, canSeeJob(req)));
  });

  // Jenkins' Queue.Item#doCancelQueue (the jenkins npm client's queue.cancel) is the same.
  const cancelItem = async (req: Req, reply: FastifyReply, idText: string | undefined): Promise<void> => {
    const id = wholeNumber(idText);
    const item = id === undefined ? undefined : api.queue.get(id);
    const job = item === undefined ? undefined : api.jobs.get(item.task);
    if (id === undefined || job === undefined || !canRead(req, securityOf(api), job)) {
      throw new StewardError('STW_QUEUE_ITEM_NOT_FOUND', `no queue item #${excerpt(idText ?? '')}`);
    }
    requirePermission(req, securityOf(api), Permissions.ITEM_CANCEL, job);
    api.queue.cancel(id);
    // Back to the page the request came from, as Jenkins did before 2.210 (it answers 204 now,
    // which python-jenkins 1.4.0's cancel_queue reads as an error); only to this controller.
    const root = rootOf(req);
    const referer = req.headers.referer;
    await reply.status(302).header('Location', referer !== undefined && referer.startsWith(root) ? referer : root).send('');
  };
  app.post('/queue/cancelItem', (req: Req, reply) => cancelItem(req, reply, req.query.id));
  app.post('/queue/item/:id/cancelQueue', (req: Req, reply) => cancelItem(req, reply, req.params.id));

  await app.listen({ port: opts.port, host: opts.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  return {
    port,
    app,
    // Connections that do not end by themselves (a client holding a keep-alive request or a
    // WebSocket) do not hold a stopping controller for more than a few seconds.
    close: async () => {
      const closing = app.close();
      const force = setTimeout(() => {
        opts.logger.warn({ upgraded: upgraded.size }, 'connections still open a few seconds after the HTTP server began to close; closing them');
        app.server.closeAllConnections();
        // Sockets of upgrade requests (agents' WebSockets, and upgrades answered with an error)
        // leave the HTTP server's books but still hold it open.
        for (const socket of upgraded) socket.destroy();
      }, CLOSE_GRACE_MS);
      try {
        await closing;
      } finally {
        clearTimeout(force);
      }
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
