import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { pino, type Logger } from 'pino';
import { Controller } from '../controller/index.js';
import { coerceError, isStewardError, StewardError } from '../errors/index.js';
import { StewardClient } from './client.js';

const program = new Command();
program.name('steward').description('Steward, a CI/CD controller whose controllers can share one home').showHelpAfterError();

function int(name: string, min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

function makeLogger(): Logger {
  return pino({ level: process.env.STEWARD_LOG_LEVEL ?? 'info', base: { pid: process.pid } });
}

program
  .command('start')
  .description('start a controller on a home directory')
  .option('--home <dir>', 'home directory (default: $STEWARD_HOME, else ./steward_home)')
  .option('--port <port>', 'HTTP port', int('--port', 0, 65535), 8080)
  .option('--host <address>', 'address to listen on', '0.0.0.0')
  .option('--executors <n>', 'executors of the built-in node on a new home', int('--executors', 0, 1000))
  .option('--lock <url>', 'lease URL; only file: is available in this version', 'file:')
  .action(async (opts: { home?: string; port: number; host: string; executors?: number; lock: string }) => {
    const logger = makeLogger();
    const home = path.resolve(opts.home ?? process.env.STEWARD_HOME ?? 'steward_home');
    let lockFile: string | undefined;
    if (opts.lock !== 'file:') {
      if (!opts.lock.startsWith('file:')) {
        throw new StewardError('STW_REQUEST_INVALID', `--lock ${opts.lock.split('@').pop() ?? ''}: only file: leases are available in this version`);
      }
      lockFile = path.resolve(opts.lock.slice('file:'.length));
    }
    const controller = await Controller.start({
      home,
      port: opts.port,
      host: opts.host,
      logger,
      ...(opts.executors === undefined ? {} : { executors: opts.executors }),
      ...(lockFile === undefined ? {} : { lockFile }),
    });
    const stop = (signal: string): void => {
      logger.info({ signal }, `received ${signal}; stopping`);
      controller.close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err: coerceError(err).toJSON() }, 'stopping failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

const urlOption = (cmd: Command): Command =>
  cmd.option('--url <url>', 'controller URL (default: $STEWARD_URL, else http://localhost:8080/)');
const clientOf = (opts: { url?: string }): StewardClient =>
  new StewardClient(opts.url ?? process.env.STEWARD_URL ?? 'http://localhost:8080/');

const job = program.command('job').description('create, list and show jobs');
urlOption(job.command('create <name>').description('create a job from a config.xml file (- for standard input)'))
  .requiredOption('--file <config.xml>', 'the job definition')
  .action(async (name: string, opts: { url?: string; file: string }) => {
    const xml = opts.file === '-' ? await readStdin() : await readFile(opts.file, 'utf8');
    await clientOf(opts).request('POST', `createItem?name=${encodeURIComponent(name)}`, xml, 'application/xml');
    process.stdout.write(`created job ${name}\n`);
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
