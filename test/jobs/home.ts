import path from 'node:path';
import { pino, type Logger } from 'pino';
import { ExtensionRegistry } from '../../src/extensions/index.js';
import { acquireFileLease } from '../../src/ha/index.js';
import { HomeStore, leaseFence } from '../../src/home/index.js';
import { Jobs, runBuild, type JobsOptions, type ParameterValue, type Result } from '../../src/jobs/index.js';
import { Launcher, LocalChannel } from '../../src/nodes/index.js';
import { registerBuiltInPlugins } from '../../src/plugins/index.js';

/**
 * The jobs of a home in `dir`, behind a real file lease and its fence, with the built-in plugins and
 * a clock the test moves (`advance`). `logger` receives what Jobs logs; silent by default.
 * `options` are passed on to Jobs.
 */
export async function openHome(dir: string, logger: Logger = pino({ level: 'silent' }), options: Pick<JobsOptions, 'labelWarning'> = {}) {
  const lease = await acquireFileLease({
    path: path.join(dir, '.steward', 'lock'),
    holder: { host: 'h', pid: process.pid, instanceId: 'i', startedAt: new Date().toISOString() },
  });
  const store = new HomeStore({ root: dir, fence: leaseFence(lease, path.join(dir, '.steward', 'epoch')), logger: pino({ level: 'silent' }) });
  await store.writeAtomic('.steward/epoch', `${lease.epoch}\n`);
  const extensions = new ExtensionRegistry();
  registerBuiltInPlugins(extensions);
  let now = Date.parse('2026-01-01T00:00:00Z');
  const jobs = new Jobs({ store, extensions, logger, now: () => now, ...options });
  return { lease, store, jobs, extensions, advance: (ms: number) => (now += ms), [Symbol.asyncDispose]: () => lease.release() };
}

/**
 * Runs one build of the job on the built-in node with real step processes, as the scheduler does:
 * the parameters go to the record, the sensitive values also to the build; `baseEnv` is the environment
 * builds inherit. Its result and log.
 */
export async function runOneBuild(
  jobs: Jobs,
  home: string,
  name: string,
  parameters: ParameterValue[] = [],
  baseEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' },
): Promise<{ result: Result; log: string; number: number; workspace: string }> {
  const job = jobs.require(name);
  const workspace = path.join(home, 'workspace', name);
  const b = await jobs.allocate(job, { queueId: 1, parameters, causes: [], builtOn: '', workspace, scheduledAt: 0 });
  const launcher = new Launcher();
  // The home store of the jobs' home, for the workspace; the lease is the jobs' own.
  const channel = new LocalChannel(jobs.store, launcher, undefined);
  let result: Result;
  try {
    result = await runBuild(
      {
        jobs,
        job,
        build: b,
        logger: pino({ level: 'silent' }),
        channel,
        workspace,
        nodeName: 'built-in',
        nodeLabels: 'built-in',
        executorNumber: 0,
        rootUrl: 'http://localhost/',
        home,
        baseEnv,
        killGraceMs: 1_000,
      },
      new Map(parameters.filter((p) => p.sensitive).map((p) => [p.name, p.value])),
    );
  } finally {
    await launcher.close();
  }
  await jobs.complete(job, b, result);
  // What follows a build's end (builds/permalinks, the log rotator) is done before the home is looked at.
  await jobs.idle();
  const range = await jobs.openLog(job, b.number, 0);
  const chunks: Buffer[] = [];
  if (range !== undefined) for await (const chunk of range.stream) chunks.push(chunk as Buffer);
  const log = Buffer.concat(chunks).toString('utf8');
  return { result, log, number: b.number, workspace };
}
