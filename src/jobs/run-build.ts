import type { Logger } from 'pino';
import { StewardError, coerceError, isStewardError } from '../errors/index.js';
import { randomBytes } from 'node:crypto';
import type { LaunchOptions, NodeChannel, RefusedFile, StepProcess } from '../nodes/index.js';
import type { Build } from './build.js';
import type { Job } from './job.js';
import type { Jobs } from './jobs.js';
import { MaskedLog } from './masked-log.js';
import { sizeInWords } from './build-files.js';
import { combine, isWorseOrEqualTo, type Result } from './result.js';
import type { BuildContext, DownstreamHost } from './steps/api.js';
import type { SCM, ScmContext } from './scm/api.js';
import type { XmlSpec } from '../xml/index.js';
import { causeLines, upstreamCause } from './upstream-cause.js';

export interface RunOptions {
  jobs: Jobs;
  job: Job;
  build: Build;
  logger: Logger;
  /** How the build reaches the node it runs on: its workspace, processes and files. */
  channel: NodeChannel;
  /** The workspace's absolute path on the node; the channel makes it before the steps run. */
  workspace: string;
  nodeName: string;
  nodeLabels: string;
  executorNumber: number;
  rootUrl: string;
  home: string;
  /** The environment builds inherit (the controller's, less its own settings). */
  baseEnv: Record<string, string>;
  /** How long a step gets between TERM and KILL when a build is stopped. */
  killGraceMs: number;
  /** Set when the build continues a step an earlier controller started on an agent. */
  resume?: ResumedStep;
  /** How the build starts others (downstream triggers); without it, they are refused. */
  downstream?: DownstreamHost;
}

/**
 * A build taken back with its step still running on an agent (Jobs.resumeBuild): the build runs
 * again from builder `builder`, whose first launch is the adopted step instead of a new one, with
 * the result it had before that builder. The earlier builders are not run again; wrappers set up
 * again (their variables, bound credentials and masks are needed by what follows).
 */
export interface ResumedStep {
  /** The agent's channel (the build waits there while the agent is away). */
  channel: NodeChannel;
  builder: number;
  result: Result;
  process: StepProcess;
  /** Gives the adopted step's output its destination, the build's log. */
  bind(onOutput: LaunchOptions['onOutput']): void;
}

/** Jenkins' environment variables for a build (EnvVars of a freestyle build on a node). */
export function buildEnvironment(o: Omit<RunOptions, 'channel'>): Record<string, string> {
  const jobUrl = `${o.rootUrl}job/${encodeURIComponent(o.job.name)}/`;
  const n = String(o.build.number);
  const env: Record<string, string> = {
    ...o.baseEnv,
    BUILD_NUMBER: n,
    BUILD_ID: n,
    BUILD_DISPLAY_NAME: `#${n}`,
    BUILD_TAG: `jenkins-${o.job.name}-${n}`,
    BUILD_URL: `${jobUrl}${n}/`,
    JOB_NAME: o.job.name,
    JOB_BASE_NAME: o.job.name,
    JOB_URL: jobUrl,
    WORKSPACE: o.workspace,
    WORKSPACE_TMP: `${o.workspace}@tmp`,
    NODE_NAME: o.nodeName,
    NODE_LABELS: o.nodeLabels,
    EXECUTOR_NUMBER: String(o.executorNumber),
    JENKINS_URL: o.rootUrl,
    HUDSON_URL: o.rootUrl,
    STEWARD_URL: o.rootUrl,
    JENKINS_HOME: o.home,
    CI: 'true',
    JENKINS_NODE_COOKIE: o.build.cookie,
    STEWARD_BUILD_COOKIE: o.build.cookie,
  };
  for (const p of o.build.record.parameters) env[p.name] = p.value;
  return env;
}

/** One expression matching any of `values`, the longest first (as Jenkins' SecretPatterns). */
function secretsPattern(values: readonly string[]): RegExp {
  const alternatives = [...values].sort((a, b) => b.length - a.length).map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(alternatives.join('|'), 'g');
}

/** Why a workspace file was not archived, in the build's log. */
const SKIPPED: Readonly<Record<RefusedFile, string>> = {
  link: 'it leads outside the workspace',
  missing: 'it is no longer there',
  'not-a-file': 'it is not a regular file',
};

/**
 * Runs a build to its end: wrappers, builders, publishers, then the final record. Never throws:
 * every failure ends as a result in the record and a line in the log.
 */
export async function runBuild(o: RunOptions, parameters: ReadonlyMap<string, string>): Promise<Result> {
  const { build, job, channel } = o;
  const secrets = o.jobs.secrets;
  // Everything the build writes to its log is masked: password parameter values and bound
  // credentials come out as ****. Its own lines go through one masker; a step's output comes
  // masked by its node, with the same values.
  const out = new MaskedLog(build.log, secrets === undefined ? undefined : (values) => secrets.masker(values), (err) => {
    // A build that cannot write its log ends: run on, it would do work nobody can see.
    const e = coerceError(err);
    const deposed = isStewardError(err, 'STW_HOME_FENCED') || isStewardError(err, 'STW_LEASE_LOST');
    // Unless this controller lost the home: a step on an agent then belongs to the controller that
    // comes next, which adopts it and continues its log; stopping it here would end a build that
    // survives the failover with a step killed mid-way.
    if (deposed && channel.keepsSteps === true) return;
    if (!deposed) {
      o.logger.error({ job: job.name, build: build.number, err: e.toJSON() }, `build ${job.name} #${build.number} is stopped: its log cannot be written: ${e.message}`);
    }
    build.interrupt('FAILURE', `ERROR: the build's log could not be written: ${e.message}`, 'SYSTEM');
  });
  let resume = o.resume;
  // Resumed: what the wrappers say again is not written into the middle of the adopted step's output.
  let quiet = resume !== undefined;
  const log = (text: string): void => {
    if (!quiet) out.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  let result: Result = resume?.result ?? 'SUCCESS';
  /** The builder running now, recorded with a step started on an agent. */
  let builderIndex = 0;
  /**
   * While the SCM checks out, its processes are not recorded as an agent's step: a controller that
   * comes after this one could not continue a checkout, so such a build reads as aborted.
   */
  let checkingOut = false;
  // Where the node made it: an agent keeps workspaces under its own work dir.
  let workspace = o.workspace;
  const env = buildEnvironment(o);
  /** The build's secret values as one expression, made again when they change. */
  let secretPattern: { key: string; re: RegExp } | undefined;
  const { unreadable } = openPasswordParameters(o, parameters, env, out);
  const ctx: BuildContext = {
    jobName: job.name,
    buildNumber: build.number,
    get workspace() {
      return workspace;
    },
    env,
    signal: build.abortController.signal,
    log,
    get current() {
      return build.current;
    },
    launch: async (command, args, opts) => {
      if (build.abortController.signal.aborted) return 143;
      out.flush();
      let step: StepProcess;
      let early = false;
      if (resume !== undefined && resume.builder === builderIndex) {
        step = resume.process;
        resume.bind((chunk) => out.writeMasked(chunk));
        resume = undefined;
        quiet = false;
      } else {
        // No step's command before the build's number and record are durable (see Jobs.allocate):
        // a channel that can gets the step ready meanwhile, and runs it once they are.
        early = channel.launchesEarly === true && channel.keepsSteps !== true;
        if (!early) {
          await build.setUp;
          if (build.abortController.signal.aborted) return 143;
        }
        const stepId = `s-${randomBytes(12).toString('base64url')}`;
        if (channel.keepsSteps === true && !checkingOut) {
          // Durable before the agent is asked: a controller that comes after this one finds the
          // step's build, and where its output starts in the log.
          // The sync first: the log's size counts only the writes done, and the offset must count
          // every line written before the step.
          await build.log.sync();
          await o.jobs.saveAgentStep(job, build.number, { node: o.nodeName, id: stepId, cookie: build.cookie, builder: builderIndex, result, logOffset: build.log.size });
        }
        step = channel.launch({
          build,
          stepId,
          command,
          args,
          cwd: workspace,
          env: { ...env, ...(opts?.env ?? {}) },
          mask: out.secrets,
          onOutput: opts?.output ?? ((chunk) => out.writeMasked(chunk)),
          ...(early ? { release: build.setUp } : {}),
        });
      }
      build.current = step;
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      if (opts?.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          timedOut = true;
          void step.stop(o.killGraceMs).catch(() => undefined);
        }, opts.timeoutMs);
      }
      try {
        // A set-up that could not be made durable ends the build here: the held step was stopped
        // before its command ran.
        if (early) {
          await build.setUp.catch(async (err: unknown) => {
            await step.exited;
            throw err;
          });
        }
        const code = await step.exited;
        if (timedOut) {
          log(`ERROR: ${command} was stopped after ${formatDuration(opts?.timeoutMs ?? 0)} (its timeout)`);
          return 143;
        }
        return code;
      } finally {
        clearTimeout(timer);
        build.current = undefined;
      }
    },
    interrupt: (r, reason) => build.interrupt(r, reason),
    warn: (message) => o.logger.warn({ job: job.name, build: build.number }, message),
    tempFile: (name, content, mode) => channel.writeTempFile(name, content, mode),
    listFiles: (include, exclude) => channel.listFiles(workspace, include, exclude),
    archive: async (relativePath) => {
      const done = await channel.readFile(workspace, relativePath, (bytes) => o.jobs.archiveArtifact(job, build.number, relativePath, bytes));
      return done.read ? { archived: true } : { archived: false, skipped: SKIPPED[done.refused] };
    },
    readWorkspaceFile: async (relativePath, maxBytes) => {
      const chunks: Buffer[] = [];
      let size = 0;
      // Thrown out of the reading to stop it: the built-in node's channel closes the file, an
      // agent's drops what still comes.
      const overLimit = new Error('over the limit');
      let done: Awaited<ReturnType<NodeChannel['readFile']>>;
      try {
        done = await channel.readFile(workspace, relativePath, async (bytes) => {
          for await (const chunk of bytes) {
            size += (chunk as Buffer).length;
            if (size > maxBytes) throw overLimit;
            chunks.push(chunk as Buffer);
          }
        });
      } catch (err) {
        if (err === overLimit) return { read: false, tooLarge: true, skipped: `it is larger than ${sizeInWords(maxBytes)}` };
        throw err;
      }
      if (!done.read) return { read: false, tooLarge: false, skipped: SKIPPED[done.refused] };
      return { read: true, bytes: Buffer.concat(chunks, size) };
    },
    writeBuildFile: (name, content) => o.jobs.writeBuildFile(job, build.number, name, content),
    addAction: (action) => {
      build.record.actions = [...(build.record.actions ?? []).filter((a) => a.name !== action.name), action];
    },
    run: o.jobs.runView(job, build.record),
    maskSecrets: (text) => {
      const values = out.secrets;
      if (values.length === 0) return text;
      const key = values.join('\u0000');
      if (secretPattern?.key !== key) secretPattern = { key, re: secretsPattern(values) };
      return text.replace(secretPattern.re, '****');
    },
    logTail: async (maxLines, maxBytes) => {
      // What the build wrote so far is in the file before it is read.
      out.flush();
      await build.log.sync();
      const start = Math.max(0, build.log.size - maxBytes);
      const range = await o.jobs.openLog(job, build.number, start);
      if (range === undefined) return [];
      const chunks: Buffer[] = [];
      for await (const chunk of range.stream) chunks.push(chunk as Buffer);
      const lines = Buffer.concat(chunks).toString('utf8').split('\n');
      if (lines.at(-1) === '') lines.pop();
      if (start > 0) lines.shift();
      return lines.slice(-maxLines);
    },
    scheduleDownstream: (name, params) => {
      if (o.downstream === undefined) return { outcome: 'refused', reason: 'this controller starts no downstream builds' };
      return o.downstream.schedule(name, params, upstreamCause({ job: job.name, number: build.number, causes: build.record.causes }));
    },
    awaitDownstream: (name, queueId) =>
      o.downstream === undefined
        ? Promise.resolve({ cancelled: true, reason: 'this controller starts no downstream builds' })
        : o.downstream.awaitBuild(name, queueId, build.abortController.signal),
    credential: (id) =>
      secrets === undefined
        ? Promise.reject(new StewardError('STW_INTERNAL', `credentials '${id}' cannot be bound: this controller was started without a credentials store`))
        : secrets.credential(id, job.name),
  };
  const onAbort = (): void => {
    void build.current?.stop(o.killGraceMs).catch((err: unknown) =>
      o.logger.warn({ job: job.name, build: build.number, err: coerceError(err).toJSON() }, 'stopping the build processes failed'),
    );
  };
  build.abortController.signal.addEventListener('abort', onAbort, { once: true });

  try {
    // Resumed: the log goes on with the adopted step's output, from where it stopped.
    if (resume === undefined) {
      for (const cause of build.record.causes) for (const line of causeLines(cause)) log(line);
      log(`Running as SYSTEM`);
    }
    const made = await channel.workspace(job.name);
    if (made !== workspace) {
      workspace = made;
      env.WORKSPACE = made;
      env.WORKSPACE_TMP = `${made}@tmp`;
    }
    if (o.resume === undefined) log(`Building ${o.nodeName === 'built-in' ? 'on the built-in node' : `remotely on ${o.nodeName}`} in workspace ${workspace}`);
    const def = job.definition;
    let checkout: { ok: true } | { ok: false; reason: string } = { ok: true };
    if (def.kind === 'freestyle' && def.missing.length === 0 && unreadable === undefined && o.resume === undefined) {
      for (const wrapper of def.wrappers) {
        if (build.interruption !== undefined) break;
        await wrapper.preCheckout?.(ctx);
      }
    }
    if (def.kind === 'freestyle' && def.missing.length === 0 && unreadable === undefined && def.scm !== undefined) {
      if (o.resume === undefined) {
        checkingOut = true;
        try {
          checkout = await runCheckout(def.scm, scmContext(o, ctx, out));
        } finally {
          checkingOut = false;
        }
        if (checkout.ok) await o.jobs.saveRecord(job, build.record);
      } else {
        // Resumed: the earlier controller checked out; its record says what.
        Object.assign(env, def.scm.environment(build.record.actions ?? []));
      }
    }
    if (def.kind !== 'freestyle') {
      log(`ERROR: the job's configuration cannot be read: ${def.error.message}`);
      result = 'FAILURE';
    } else if (def.missing.length > 0) {
      log(`ERROR: this job uses steps that this controller does not support: ${def.missing.join(', ')}`);
      result = 'FAILURE';
    } else if (unreadable !== undefined) {
      log(`ERROR: ${unreadable.message}`);
      result = 'FAILURE';
    } else if (!checkout.ok) {
      if (build.interruption === undefined) log(`ERROR: ${checkout.reason}`);
      result = 'FAILURE';
    } else {
      const tearDowns: (() => Promise<void>)[] = [];
      try {
        for (const wrapper of def.wrappers) {
          if (build.interruption !== undefined) break;
          const { env: add, secrets: hidden, tearDown } = await wrapper.setUp(ctx);
          if (hidden !== undefined) out.mask(hidden);
          if (add !== undefined) Object.assign(env, add);
          if (tearDown !== undefined) tearDowns.push(tearDown);
        }
        for (const [i, builder] of def.builders.entries()) {
          if (build.interruption !== undefined) break;
          // Resumed: the builders before the adopted step's ran under the earlier controller.
          if (o.resume !== undefined && i < o.resume.builder) continue;
          builderIndex = i;
          const r = await builder.perform(ctx);
          if (build.interruption !== undefined) break;
          if (r !== 'SUCCESS') log(`Build step '${builder.displayName}' marked build as ${r.toLowerCase()}`);
          result = combine(result, r);
          if (isWorseOrEqualTo(result, 'FAILURE')) break;
        }
      } finally {
        for (const t of tearDowns.reverse()) await t().catch(() => undefined);
      }
      if (build.interruption === undefined) {
        // Recorders first, then notifiers, as Jenkins orders them: a mail tells the result the
        // test report left.
        const publishers = [...def.publishers.filter((p) => p.notifier !== true), ...def.publishers.filter((p) => p.notifier === true)];
        for (const publisher of publishers) {
          if (build.interruption !== undefined) break;
          const r = await publisher.perform(ctx, result);
          if (r !== undefined) result = combine(result, r);
        }
      }
    }
  } catch (err) {
    quiet = false;
    const e = coerceError(err);
    if (!isStewardError(err, 'STW_HOME_FENCED') && !isStewardError(err, 'STW_LEASE_LOST')) {
      o.logger.error({ job: job.name, build: build.number, err: e.toJSON() }, `build ${job.name} #${build.number} failed: ${e.message}`);
    }
    log(`ERROR: ${e.message}`);
    result = combine(result, 'FAILURE');
  } finally {
    build.abortController.signal.removeEventListener('abort', onAbort);
  }
  quiet = false;
  // An adopted step the build never reached (it was stopped first) is not left running.
  if (resume !== undefined) await resume.process.stop(o.killGraceMs).catch(() => undefined);
  if (build.interruption !== undefined) {
    // Wait until the stopped step's processes are gone before the build counts as ended.
    await build.current?.stop(o.killGraceMs).catch(() => undefined);
    log(build.interruption.reason);
    result = build.interruption.result;
  }
  log(`Finished: ${result}`);
  out.end();
  return result;
}

/**
 * Puts the clear values of password parameters into `env` and masks them in the log. A value comes
 * from the request (`given`) or the record, where Jobs keeps it sealed; one that does not decrypt
 * leaves its variable empty and is returned, to fail the build before any step runs.
 */
function openPasswordParameters(
  o: RunOptions,
  given: ReadonlyMap<string, string>,
  env: Record<string, string>,
  out: MaskedLog,
): { unreadable: StewardError | undefined } {
  const secrets = o.jobs.secrets;
  const values = new Map<string, string>();
  for (const p of o.build.record.parameters) if (p.sensitive) values.set(p.name, p.value);
  for (const [name, value] of given) values.set(name, value);
  let unreadable: StewardError | undefined;
  for (const [name, value] of values) {
    try {
      env[name] = secrets === undefined ? value : secrets.open(value, { field: `password parameter ${name}` });
    } catch (err) {
      env[name] = '';
      unreadable ??= coerceError(err);
    }
  }
  out.mask(Array.from(values.keys(), (name) => env[name] ?? ''));
  return { unreadable };
}

/** Runs the job's checkout; the environment it gives joins the build's. */
async function runCheckout(scm: SCM, ctx: ScmContext): Promise<{ ok: true } | { ok: false; reason: string }> {
  const done = await scm.checkout(ctx);
  if (!done.ok) return done;
  Object.assign(ctx.env, done.env);
  return { ok: true };
}

/** What the SCM sees of the build: its context, and the records of the job's builds. */
function scmContext(o: RunOptions, ctx: BuildContext, out: MaskedLog): ScmContext {
  const { jobs, job, build } = o;
  const previousActions = async (which: 'built' | 'successful'): Promise<readonly XmlSpec[] | undefined> => {
    const r = await jobs.lastBuild(
      job,
      (r) => r.number < build.number && r.result !== undefined && r.result !== 'NOT_BUILT' && (which === 'built' || r.result === 'SUCCESS' || r.result === 'UNSTABLE'),
    );
    return r === undefined ? undefined : (r.actions ?? []);
  };
  // The context's getters (workspace, current) stay live: the SCM's context reads through them.
  return Object.create(ctx, {
    previousActions: { value: previousActions },
    addAction: {
      value: (action: XmlSpec) => {
        build.record.actions = [...(build.record.actions ?? []), action];
      },
    },
    writeChangelog: { value: (text: string) => jobs.writeChangelog(job, build.number, text) },
    mask: { value: (values: readonly string[]) => out.mask(values) },
  }) as ScmContext;
}

function formatDuration(ms: number): string {
  const minutes = ms / 60_000;
  return Number.isInteger(minutes) ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(ms / 1000)} s`;
}
