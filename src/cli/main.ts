import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { pino, type Logger } from 'pino';
import { Agent, AgentRefused, agentEndpoint } from '../agent/index.js';
import { Controller, VERSION, parseAdvertiseUrl } from '../controller/index.js';
import { DEFAULT_MAX_QUEUED, DEFAULT_MAX_QUEUED_PER_JOB } from '../queue/index.js';
import { coerceError, isStewardError, StewardError } from '../errors/index.js';
import { StewardClient, resolveAuth } from './client.js';
import { notRunLines } from './not-run-lines.js';
import { checkJobs, checkReport } from './job-check.js';
import { notRunJson, totalNotRun } from '../jobs/index.js';
import { parseDuration, runGuard } from '../guard/index.js';
import { AUDIT_ROTATION } from '../security/index.js';
import { parseTrustedProxies, type HandoverReport } from '../web/index.js';

const program = new Command();
program
  .name('steward')
  .description('Steward, a CI/CD controller whose controllers can share one home')
  .showHelpAfterError()
  .enablePositionalOptions();

function int(name: string, min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

/** `10MiB`, `512KiB`, `1GiB` or a number of bytes; at least 1 KiB. */
function byteSize(name: string) {
  return (text: string): number => {
    const m = /^(\d+)\s*(B|KiB|MiB|GiB)?$/.exec(text.trim());
    const n = m === null ? NaN : Number(m[1]) * { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[(m[2] ?? 'B') as 'B' | 'KiB' | 'MiB' | 'GiB'];
    if (!Number.isSafeInteger(n) || n < 1024) throw new InvalidArgumentError(`${name} must be a size of at least 1KiB such as 512KiB or 10MiB`);
    return n;
  };
}

interface StartOptions {
  home?: string;
  port: number;
  host: string;
  executors?: number;
  lock: string;
  leaseTtl: string;
  standby?: boolean;
  trustedProxy?: string;
  auditLogSize: number;
  auditLogFiles: number;
  maxQueuedPerJob: number;
  maxQueued: number;
  buildUser?: string;
  sshAgentCommand?: string;
  agentGrace: string;
  journalCheckpoint: string;
  agentPort: number;
  agentTlsCert?: string;
  agentTlsKey?: string;
  advertiseUrl?: string;
}

/** `--advertise-url`, or STEWARD_ADVERTISE_URL under its own name. */
function advertiseUrl(text: string, where = '--advertise-url'): string {
  try {
    return parseAdvertiseUrl(text, where);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** A user name as useradd accepts it (a uid is not one: builds need a name for USER and LOGNAME). */
/** The first line of standard input, the rest left unread (`steward agent --secret -`). */
async function firstLineOfStdin(): Promise<string> {
  const { createInterface } = await import('node:readline');
  const lines = createInterface({ input: process.stdin, terminal: false });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    lines.once('close', () => reject(new InvalidArgumentError('--secret -: standard input closed before a line with the secret')));
  });
  lines.close();
  return line.trim();
}

/** `--agent-port`: a TCP port, 0 for any free one, -1 for none. */
function agentPort(text: string): number {
  const n = Number(text);
  if (!/^(-1|\d+)$/.test(text.trim()) || n > 65535) throw new InvalidArgumentError(`--agent-port must be a TCP port from 0 to 65535, or -1 for none, not ${JSON.stringify(text)}`);
  return n;
}

function userName(text: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/.test(text)) {
    throw new InvalidArgumentError(`--build-user must be a user name (letters, digits, _ . -, at most 32 characters, not starting with a digit or -), not ${JSON.stringify(text)}`);
  }
  return text;
}

/**
 * Log lines go to standard output synchronously. pino's default asynchronous destination flushes
 * at exit and, when standard output is a broken pipe (an agent started over SSH whose connection
 * closed), retries that write for ever: the process never ends. Written synchronously, a broken
 * pipe only silences the log.
 */
function makeLogger(): Logger {
  return pino({ level: process.env.STEWARD_LOG_LEVEL ?? 'info', base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
}

program
  .command('start')
  .description('start a controller on a home directory')
  .option('--home <dir>', 'home directory (default: $STEWARD_HOME, else ./steward_home)')
  .option('--port <port>', 'HTTP port', int('--port', 0, 65535), 8080)
  .option('--host <address>', 'address to listen on', '0.0.0.0')
  .option('--executors <n>', 'executors of the built-in node on a new home', int('--executors', 0, 1000))
  .option('--lock <url>', 'lease URL: file:[PATH], redis://, etcd://, zk://, postgres://', 'file:')
  .option('--lease-ttl <duration>', 'TTL of a service-backed lease', '10s')
  .option('--standby', 'wait for the lease as a standby instead of exiting (always so for a lease URL other than file:)')
  .option('--trusted-proxy <addr,...>', 'reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client (default: $STEWARD_TRUSTED_PROXIES)')
  .option('--audit-log-size <size>', 'rotate logs/audit.log past this size, e.g. 10MiB', byteSize('--audit-log-size'), AUDIT_ROTATION.maxBytes)
  .option('--audit-log-files <n>', 'audit log files kept, the current one included', int('--audit-log-files', 1, 1000), AUDIT_ROTATION.files)
  .option('--max-queued-per-job <n>', 'most builds of one job waiting in the queue; more are refused with 503', int('--max-queued-per-job', 1, 1_000_000), DEFAULT_MAX_QUEUED_PER_JOB)
  .option('--max-queued <n>', 'most items in the whole queue; more are refused with 503', int('--max-queued', 1, 10_000_000), DEFAULT_MAX_QUEUED)
  .option('--ssh-agent-command <command>', 'the agent program on the hosts of SSH agents, as their shell runs it (default: $STEWARD_SSH_AGENT_COMMAND, else steward)')
  .option('--build-user <name>', 'user that builds on the built-in node run as when the controller runs as root (default: $STEWARD_BUILD_USER, else steward-build, created when missing)', userName)
  .option('--agent-port <port>', 'the port agents may also connect on (as Jenkins\' TCP agent port; 0 any free one, -1 none)', agentPort, 50_000)
  .option('--agent-tls-cert <file>', 'a certificate (PEM) for the agent port: agents then connect with https:// URLs')
  .option('--agent-tls-key <file>', 'the key (PEM) of --agent-tls-cert')
  .option('--agent-grace <duration>', "how long a disconnected agent's running builds wait for it to come back", '60s')
  .option('--journal-checkpoint <duration>', "how long the home's journal gathers changes before they are made durable in their files (one syncfs) and it starts afresh", '10s')
  .option('--advertise-url <url>', 'the URL this controller is reachable at, which standbys name and send browsers to while it is active (default: $STEWARD_ADVERTISE_URL)', (t: string) => advertiseUrl(t))
  .action(async (opts: StartOptions) => {
    const logger = makeLogger();
    const envBuildUser = process.env.STEWARD_BUILD_USER;
    if ((opts.agentTlsCert === undefined) !== (opts.agentTlsKey === undefined)) {
      throw new InvalidArgumentError('--agent-tls-cert and --agent-tls-key go together');
    }
    const agentTls =
      opts.agentTlsCert === undefined || opts.agentTlsKey === undefined
        ? undefined
        : { cert: await readFile(opts.agentTlsCert, 'utf8'), key: await readFile(opts.agentTlsKey, 'utf8') };
    const envAgentCommand = process.env.STEWARD_SSH_AGENT_COMMAND;
    const sshAgentCommand = opts.sshAgentCommand ?? (envAgentCommand === undefined || envAgentCommand === '' ? undefined : envAgentCommand);
    const buildUser = opts.buildUser ?? (envBuildUser === undefined || envBuildUser === '' ? undefined : userName(envBuildUser));
    const home = path.resolve(opts.home ?? process.env.STEWARD_HOME ?? 'steward_home');
    const leaseTtlMs = parseDuration(opts.leaseTtl, '--lease-ttl');
    if (leaseTtlMs < 1000) throw new InvalidArgumentError('--lease-ttl must be at least 1s');
    const envAdvertise = process.env.STEWARD_ADVERTISE_URL;
    const advertised = opts.advertiseUrl ?? (envAdvertise === undefined || envAdvertise === '' ? undefined : advertiseUrl(envAdvertise, 'STEWARD_ADVERTISE_URL'));
    const proxies = opts.trustedProxy ?? process.env.STEWARD_TRUSTED_PROXIES;
    const trustedProxies = proxies === undefined ? [] : parseTrustedProxies(proxies, opts.trustedProxy === undefined ? 'STEWARD_TRUSTED_PROXIES' : '--trusted-proxy');
    // Undocumented in --help: a file outside the home recording every home write with its epoch,
    // for the chaos harness (see docs/reliability.md).
    const writeAudit = process.env.STEWARD_WRITE_AUDIT;
    let controller: Controller | undefined;
    const abort = new AbortController();
    const finish = (code: number): void => {
      void (controller?.close() ?? Promise.resolve()).then(
        () => process.exit(code),
        (err: unknown) => {
          logger.error({ err: coerceError(err).toJSON() }, 'stopping failed');
          process.exit(1);
        },
      );
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, `received ${signal}; stopping`);
      // A standby still waiting for the lease stops waiting; an active controller stops.
      if (controller === undefined) abort.abort();
      else finish(0);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    try {
      controller = await Controller.start({
        home,
        port: opts.port,
        host: opts.host,
        logger,
        lock: opts.lock,
        leaseTtlMs,
        queueLimits: { perJob: opts.maxQueuedPerJob, total: opts.maxQueued },
        signal: abort.signal,
        // The controller has stopped writing; it stops for good, and a supervisor may start it
        // again as a standby.
        onLeaseLost: () => finish(4),
        ...(opts.standby === true ? { standby: true } : {}),
        trustedProxies,
        auditRotation: { maxBytes: opts.auditLogSize, files: opts.auditLogFiles },
        ...(buildUser === undefined ? {} : { buildUser }),
        ...(sshAgentCommand === undefined ? {} : { sshAgentCommand }),
        ...(opts.executors === undefined ? {} : { executors: opts.executors }),
        agentGraceMs: parseDuration(opts.agentGrace, '--agent-grace'),
        journalCheckpointMs: parseDuration(opts.journalCheckpoint, '--journal-checkpoint'),
        agentPort: opts.agentPort,
        ...(agentTls === undefined ? {} : { agentTls }),
        ...(advertised === undefined ? {} : { advertiseUrl: advertised }),
        // A handover ends this controller's term: it stops, as a preStop hook wants (status 0).
        onHandedOver: () => finish(0),
        ...(writeAudit === undefined || writeAudit === '' ? {} : { writeAudit: path.resolve(writeAudit) }),
      });
    } catch (err) {
      if (abort.signal.aborted) process.exit(0);
      throw err;
    }
  });

program
  .command('guard')
  .description('run a command only while holding the lease; stop it if the lease is lost')
  .requiredOption('--lock <url>', 'lease URL: file:PATH, redis://, etcd://, zk://, postgres://')
  .option('--ttl <duration>', 'lease time to live', '10s')
  .option('--wait', 'wait for the lease as long as it takes')
  .option('--timeout <duration>', 'wait for the lease at most this long')
  .option('--grace <duration>', 'time between TERM and KILL when the command is stopped on request', '10s')
  .option('--status-port <port>', 'serve /health and /metrics on 127.0.0.1:PORT', int('--status-port', 1, 65535))
  .argument('<command>', 'the command to run')
  .argument('[args...]', 'its arguments (after --)')
  .passThroughOptions()
  .action(
    async (
      command: string,
      args: string[],
      opts: { lock: string; ttl: string; wait?: boolean; timeout?: string; grace: string; statusPort?: number },
    ) => {
      if (opts.wait === true && opts.timeout !== undefined) throw new InvalidArgumentError('give --wait or --timeout, not both');
      const ttlMs = parseDuration(opts.ttl, '--ttl');
      if (ttlMs < 1000) throw new InvalidArgumentError('--ttl must be at least 1s');
      process.exitCode = await runGuard({
        lock: opts.lock,
        ttlMs,
        wait: opts.wait === true,
        timeoutMs: opts.timeout === undefined ? undefined : parseDuration(opts.timeout, '--timeout'),
        graceMs: parseDuration(opts.grace, '--grace'),
        statusPort: opts.statusPort,
        command,
        args,
        logger: makeLogger(),
        defaultLockFile: path.resolve('.steward-guard.lock'),
      });
    },
  );

program
  .command('agent')
  .description('run builds for a controller on this machine: connect as node NAME and run the steps it is given')
  .requiredOption('--url <url,...>', 'the controllers\' URLs (http://host:8080/), tried in turn; the agent connects to URL + agent')
  .requiredOption('--name <name>', 'the node this agent is (created on the controller with steward node create)')
  .requiredOption('--secret <secret>', "the node's secret, @FILE holding it (steward node secret NAME), or - for the first line of standard input, the agent then stopping when standard input closes (as the SSH launcher starts it)")
  .option('--work-dir <dir>', 'where workspaces and spooled output go (default: ./steward_agent)')
  .option('--executors <n>', 'executors this agent announces', int('--executors', 1, 1000), 1)
  .option('--labels <labels>', 'labels this agent announces, separated by spaces', '')
  .action(async (opts: { url: string; name: string; secret: string; workDir?: string; executors: number; labels: string }) => {
    const logger = makeLogger();
    const urls = opts.url.split(',').map((u) => u.trim()).filter((u) => u !== '');
    for (const u of urls) {
      try {
        agentEndpoint(u);
      } catch {
        throw new InvalidArgumentError(`--url must list http(s):// or ws(s):// URLs, not ${JSON.stringify(u)}`);
      }
    }
    if (urls.length === 0) throw new InvalidArgumentError('--url must name at least one controller');
    const fromStdin = opts.secret === '-';
    const secret = fromStdin ? await firstLineOfStdin() : opts.secret.startsWith('@') ? (await readFile(opts.secret.slice(1), 'utf8')).trim() : opts.secret;
    const agent = new Agent({
      urls,
      name: opts.name,
      secret,
      workDir: path.resolve(opts.workDir ?? 'steward_agent'),
      executors: opts.executors,
      labels: opts.labels,
      version: VERSION,
      logger,
    });
    const abort = new AbortController();
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, `received ${signal}; stopping the agent and its steps`);
      abort.abort();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    if (fromStdin) {
      // Started over SSH: standard input stays open while the controller's SSH connection does.
      // When it closes, the controller that started this agent is gone (or will start another),
      // so this one stops rather than live on, orphaned, on the host.
      process.stdin.once('close', () => {
        logger.info('standard input closed: the controller that started this agent over SSH is gone; stopping the agent and its steps');
        abort.abort();
      });
      process.stdin.resume();
    }
    try {
      await agent.run(abort.signal);
    } catch (err) {
      if (!(err instanceof AgentRefused)) throw err;
      logger.error(err.message);
      process.exit(2);
    }
    process.exit(0);
  });

const urlOption = (cmd: Command): Command =>
  cmd
    .option('--url <url>', 'controller URL (default: $STEWARD_URL, else http://localhost:8080/)')
    .option('--auth <user:token>', 'credentials: USER:TOKEN, or @FILE holding them (default: $STEWARD_USER and $STEWARD_TOKEN)');
const clientOf = (opts: { url?: string; auth?: string }): StewardClient =>
  new StewardClient(opts.url ?? process.env.STEWARD_URL ?? 'http://localhost:8080/', resolveAuth(opts.auth));

const job = program.command('job').description('create, list and show jobs');
urlOption(job.command('create <name>').description('create a job from a config.xml file (- for standard input)'))
  .requiredOption('--file <config.xml>', 'the job definition')
  .action(async (name: string, opts: { url?: string; file: string }) => {
    const xml = opts.file === '-' ? await readStdin() : await readFile(opts.file, 'utf8');
    const res = await clientOf(opts).request('POST', `createItem?name=${encodeURIComponent(name)}`, xml, 'application/xml');
    process.stdout.write(`created job ${name}\n`);
    // Such as a label expression no node has: the job is created all the same.
    const warning = res.headers.get('x-steward-warning');
    if (warning !== null) process.stderr.write(`warning: ${warning}\n`);
    // What of it will not run here: the job is created all the same.
    for (const line of notRunLines(await res.text())) process.stderr.write(`warning: ${line}\n`);
  });
job
  .command('check <files...>')
  .description("say, without a controller, what of each job's config.xml this controller will not run (a file, a job's folder, or a home or its jobs/ folder)")
  .option('--json', 'print the results as JSON')
  .addHelpText('after', '\nExit status: 0 when everything read runs or is only skipped or ignored, 1 when some job has an element that fails its builds, 2 when a file cannot be read as a freestyle job.')
  .action(async (files: string[], opts: { json?: boolean }) => {
    const results = await checkJobs(files);
    const report = checkReport(results);
    if (opts.json === true) {
      const json = results.map((r) => ('error' in r ? r : { file: r.file, notRunCount: totalNotRun(r.counts), notRun: r.notRun.map(notRunJson) }));
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      process.stdout.write(report.text);
    }
    process.stderr.write(report.errors);
    process.exitCode = report.status;
  });
urlOption(job.command('list').description('list jobs with their status')).action(async (opts: { url?: string }) => {
  const data = await clientOf(opts).json<{ jobs: { name: string; color: string; brokenReason?: string }[] }>('api/json?tree=jobs[name,color,brokenReason]');
  for (const j of data.jobs) process.stdout.write(`${j.name}\t${j.color}${j.brokenReason === undefined ? '' : `\t${j.brokenReason}`}\n`);
});
urlOption(job.command('show <name>').description("show a job's state, or its config.xml with --config"))
  .option('--config', 'print config.xml')
  .action(async (name: string, opts: { url?: string; config?: boolean }) => {
    const c = clientOf(opts);
    if (opts.config === true) {
      process.stdout.write(await (await c.request('GET', `job/${encodeURIComponent(name)}/config.xml`)).text());
      return;
    }
    const j = await c.json<Record<string, unknown>>(
      `job/${encodeURIComponent(name)}/api/json?tree=name,color,description,disabled,nextBuildNumber,lastBuild[number,result],inQueue,brokenReason`,
    );
    process.stdout.write(`${JSON.stringify(j, null, 2)}\n`);
  });

const build = program.command('build').description('start and stop builds');
urlOption(build.command('start <job>').description('queue a build'))
  .option('-p, --param <K=V>', 'a build parameter (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--wait', 'wait for the build to end; exit 0 only on SUCCESS')
  .option('--follow', 'print the console log as it comes (implies --wait)')
  .action(async (jobName: string, opts: { url?: string; param: string[]; wait?: boolean; follow?: boolean }) => {
    const c = clientOf(opts);
    const params = new URLSearchParams();
    for (const p of opts.param) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new InvalidArgumentError(`-p ${p}: a parameter is written NAME=VALUE`);
      params.append(p.slice(0, eq), p.slice(eq + 1));
    }
    const job = encodeURIComponent(jobName);
    const res = await c.request('POST', `job/${job}/buildWithParameters`, params, 'application/x-www-form-urlencoded');
    const location = res.headers.get('location') ?? '';
    const id = /queue\/item\/(\d+)/.exec(location)?.[1];
    if (id === undefined) throw new StewardError('STW_INTERNAL', 'the controller did not say which queue item it made');
    process.stderr.write(`queued as item ${id}\n`);
    if (opts.wait !== true && opts.follow !== true) return;
    let number: number | undefined;
    for (let delay = 20; number === undefined; delay = Math.min(delay * 2, 500)) {
      const item = await c.json<{ cancelled?: boolean; executable?: { number: number } | null; why?: string }>(`queue/item/${id}/api/json`);
      if (item.cancelled === true) throw new StewardError('STW_REQUEST_INVALID', `queue item ${id} was cancelled`);
      if (item.executable !== undefined && item.executable !== null) number = item.executable.number;
      else await sleep(delay);
    }
    process.stderr.write(`started ${jobName} #${number}\n`);
    let offset = 0;
    for (;;) {
      if (opts.follow === true) {
        const r = await c.request('GET', `job/${job}/${number}/logText/progressiveText?start=${offset}`);
        const body = Buffer.from(await r.arrayBuffer());
        process.stdout.write(body);
        offset = Number(r.headers.get('x-text-size') ?? offset);
        if (r.headers.get('x-more-data') !== 'true') break;
        if (body.length === 0) await sleep(200);
      } else {
        const b = await c.json<{ building: boolean }>(`job/${job}/${number}/api/json?tree=building`);
        if (!b.building) break;
        await sleep(200);
      }
    }
    const b = await c.json<{ result: string }>(`job/${job}/${number}/api/json?tree=result`);
    process.stderr.write(`${jobName} #${number}: ${b.result}\n`);
    process.exitCode = b.result === 'SUCCESS' ? 0 : 1;
  });
urlOption(build.command('stop <job> <number>').description('stop a running build')).action(
  async (jobName: string, number: string, opts: { url?: string }) => {
    await clientOf(opts).request('POST', `job/${encodeURIComponent(jobName)}/${encodeURIComponent(number)}/stop`);
    process.stdout.write(`asked ${jobName} #${number} to stop\n`);
  },
);

const token = program.command('token').description('make and revoke API tokens');
urlOption(token.command('create <name>').description('make an API token for the --auth user and print it (shown once)')).action(
  async (name: string, opts: { url?: string; auth?: string }) => {
    const c = clientOf(opts);
    if (resolveAuth(opts.auth) === undefined) throw new InvalidArgumentError('token create needs --auth USER:PASSWORD (or a token)');
    const res = await c.request(
      'POST',
      'me/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken',
      new URLSearchParams({ newTokenName: name }),
      'application/x-www-form-urlencoded',
    );
    const body = (await res.json()) as { data: { tokenValue: string; tokenUuid: string } };
    process.stderr.write(`made the token "${name}" (uuid ${body.data.tokenUuid}); it is shown only now\n`);
    process.stdout.write(`${body.data.tokenValue}\n`);
  },
);
urlOption(token.command('list').description('list the API tokens of the --auth user (names and uuids; values are never kept)')).action(
  async (opts: { url?: string; auth?: string }) => {
    const data = await clientOf(opts).json<{ tokens: { uuid: string; name: string; creationDate: string }[] }>('me/apiTokens/api/json');
    for (const t of data.tokens) process.stdout.write(`${t.uuid}\t${t.creationDate}\t${t.name}\n`);
  },
);
urlOption(token.command('revoke <uuid>').description('revoke one of the --auth user\'s API tokens')).action(
  async (uuid: string, opts: { url?: string; auth?: string }) => {
    await clientOf(opts).request(
      'POST',
      'me/descriptorByName/jenkins.security.ApiTokenProperty/revoke',
      new URLSearchParams({ tokenUuid: uuid }),
      'application/x-www-form-urlencoded',
    );
    process.stdout.write(`revoked ${uuid}\n`);
  },
);

const node = program.command('node').description("create, list and delete agent nodes; print an agent's secret");
/** Jenkins' node modes. */
function nodeMode(text: string): 'NORMAL' | 'EXCLUSIVE' {
  const mode = text.toUpperCase();
  if (mode !== 'NORMAL' && mode !== 'EXCLUSIVE') throw new InvalidArgumentError('--mode must be NORMAL (any build its labels allow) or EXCLUSIVE (only builds whose label expression matches it)');
  return mode;
}
urlOption(node.command('create <name>').description('create an agent node; its agent connects with `steward agent` and the secret `node secret` prints'))
  .option('--labels <labels>', 'its labels, separated by spaces', '')
  .option('--executors <n>', 'how many builds it runs at once', int('--executors', 1, 1000), 1)
  .option('--remote-fs <dir>', "its root folder on the agent's machine, where workspaces go: the agent's --work-dir", '/var/lib/steward-agent')
  .option('--mode <mode>', 'NORMAL: any build its labels allow; EXCLUSIVE: only builds whose label expression matches it', nodeMode, 'NORMAL' as const)
  .option('--description <text>', 'what the node is for', '')
  .action(async (name: string, opts: { url?: string; auth?: string; labels: string; executors: number; remoteFs: string; mode: 'NORMAL' | 'EXCLUSIVE'; description: string }) => {
    // The form Jenkins' ComputerSet.doDoCreateItem reads (python-jenkins' create_node sends the same).
    const fields = {
      nodeDescription: opts.description,
      numExecutors: opts.executors,
      remoteFS: opts.remoteFs,
      labelString: opts.labels,
      mode: opts.mode,
      retentionStrategy: { 'stapler-class': 'hudson.slaves.RetentionStrategy$Always' },
      nodeProperties: { 'stapler-class-bag': 'true' },
      launcher: { 'stapler-class': 'hudson.slaves.JNLPLauncher' },
    };
    const form = new URLSearchParams({ name, type: 'hudson.slaves.DumbSlave', json: JSON.stringify(fields) });
    await clientOf(opts).request('POST', 'computer/doCreateItem', form, 'application/x-www-form-urlencoded');
    process.stdout.write(`created node ${name}; its agent connects with the secret \`steward node secret ${name}\` prints\n`);
  });
urlOption(node.command('list').description('list the nodes: name, state, executors, labels')).action(async (opts: { url?: string; auth?: string }) => {
  const data = await clientOf(opts).json<{
    computer: { _class: string; displayName: string; offline: boolean; offlineCauseReason: string; numExecutors: number; assignedLabels: { name: string }[] }[];
  }>('computer/api/json?tree=computer[displayName,offline,offlineCauseReason,numExecutors,assignedLabels[name]]');
  for (const c of data.computer) {
    const builtIn = c._class === 'hudson.model.Hudson$MasterComputer';
    const name = builtIn ? 'built-in' : c.displayName;
    const state = c.offline ? `offline${c.offlineCauseReason === '' ? '' : ` (${c.offlineCauseReason})`}` : 'online';
    const labels = c.assignedLabels.map((l) => l.name).filter((l) => l !== name);
    process.stdout.write(`${name}\t${state}\t${c.numExecutors}\t${labels.join(' ')}\n`);
  }
});
urlOption(node.command('secret <name>').description("print the secret an agent connects with (needs Agent/Connect)")).action(async (name: string, opts: { url?: string; auth?: string }) => {
  // Read from the agent's JNLP file, where Jenkins serves it: the first <argument>.
  const jnlp = await (await clientOf(opts).request('GET', `computer/${encodeURIComponent(name)}/jenkins-agent.jnlp`)).text();
  const secret = /<application-desc[^>]*><argument>([0-9a-f]+)<\/argument>/.exec(jnlp)?.[1];
  if (secret === undefined) throw new StewardError('STW_REQUEST_INVALID', `the controller's agent file for ${name} holds no secret`);
  process.stdout.write(`${secret}\n`);
});
urlOption(node.command('delete <name>').description('delete an agent node (refused while it builds)')).action(async (name: string, opts: { url?: string; auth?: string }) => {
  await clientOf(opts).request('POST', `computer/${encodeURIComponent(name)}/doDelete`);
  process.stdout.write(`deleted node ${name}\n`);
});

const ha = program.command('ha').description('high availability: hand the home over to a standby');
urlOption(
  ha
    .command('handover')
    .description('stop starting builds, wait for builds on the built-in node (then abort them), leave builds on agents to the next controller, save the queue, release the lease to a standby, and stop the controller (Overall/Administer)'),
)
  .option('--timeout <duration>', 'how long builds on the built-in node may run before they are aborted', '60s')
  .action(async (opts: { url?: string; auth?: string; timeout: string }) => {
    const timeoutMs = parseDuration(opts.timeout, '--timeout');
    // The answer comes once the builds were waited for, the lease released and the next
    // controller seen (up to 10 s): the client waits that long, and a margin.
    const res = await clientOf(opts).request('POST', `manage/ha/handover?timeout=${Math.ceil(timeoutMs / 1000)}`, undefined, undefined, timeoutMs + 120_000);
    const r = (await res.json()) as HandoverReport;
    const list = (bs: { job: string; number: number }[]): string => (bs.length === 0 ? '' : `: ${bs.map((b) => `${b.job} #${b.number}`).join(', ')}`);
    process.stdout.write(`handed over in ${(r.tookMs / 1000).toFixed(1)} s (lease released after ${(r.leaseReleasedAfterMs / 1000).toFixed(1)} s)\n`);
    process.stdout.write(`queue items handed over: ${r.queueItems}\n`);
    process.stdout.write(`builds on agents handed over: ${r.agentBuilds.length}${list(r.agentBuilds)}\n`);
    process.stdout.write(`builds that could not move, ended while waited for: ${r.unmovableBuilds.finished.length}${list(r.unmovableBuilds.finished)}\n`);
    process.stdout.write(`builds that could not move, aborted: ${r.unmovableBuilds.aborted.length}${list(r.unmovableBuilds.aborted)}\n`);
    process.stdout.write(
      r.nextActive === null
        ? 'no standby took the lease within 10 s: the home has no active controller until one starts\n'
        : `the next active controller has epoch ${r.nextActive.epoch}${r.nextActive.url === null ? '' : ` at ${r.nextActive.url}`} (${(r.nextActive.afterMs / 1000).toFixed(1)} s after the release)\n`,
    );
  });

/** A password from a file (first line), so that it stays out of the process list and shell history. */
async function passwordFrom(file: string): Promise<string> {
  const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password === '') throw new InvalidArgumentError(`--password-file ${file}: the first line is empty`);
  return password;
}

const user = program.command('user').description('manage the users of the built-in user database (an administrator)');
urlOption(user.command('list').description('list users: id and full name')).action(async (opts: { url?: string; auth?: string }) => {
  const data = await clientOf(opts).json<{ users: { user: { id: string; fullName: string } }[] }>('people/api/json');
  for (const u of data.users) process.stdout.write(`${u.user.id}\t${u.user.fullName}\n`);
});
urlOption(user.command('create <id>').description('create a user'))
  .requiredOption('--password-file <file>', 'the password, on the first line of a file (- for standard input)')
  .option('--full-name <name>', 'the name shown for the user')
  .action(async (id: string, opts: { url?: string; auth?: string; passwordFile: string; fullName?: string }) => {
    const password = await passwordFrom(opts.passwordFile);
    const form = new URLSearchParams({ username: id, password1: password, password2: password, fullname: opts.fullName ?? id });
    await clientOf(opts).request('POST', 'securityRealm/createAccountByAdmin', form, 'application/x-www-form-urlencoded');
    process.stdout.write(`created user ${id}\n`);
  });
urlOption(user.command('password <id>').description("set a user's password (yourself, or any user as an administrator)"))
  .requiredOption('--password-file <file>', 'the new password, on the first line of a file (- for standard input)')
  .action(async (id: string, opts: { url?: string; auth?: string; passwordFile: string }) => {
    const form = new URLSearchParams({ password: await passwordFrom(opts.passwordFile) });
    await clientOf(opts).request('POST', `user/${encodeURIComponent(id)}/password`, form, 'application/x-www-form-urlencoded');
    process.stdout.write(`set the password of ${id}; their browser sessions have ended\n`);
  });
urlOption(user.command('delete <id>').description('delete a user')).action(async (id: string, opts: { url?: string; auth?: string }) => {
  await clientOf(opts).request('POST', `user/${encodeURIComponent(id)}/doDelete`);
  process.stdout.write(`deleted user ${id}\n`);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = coerceError(err);
  process.stderr.write(`steward: ${e.message}\n`);
  process.exitCode = isStewardError(err, 'STW_HOME_LOCKED') ? 3 : 1;
}
