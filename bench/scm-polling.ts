/**
 * SCM polling: what 1,000 jobs polling one Git remote every minute cost their controller, and how
 * soon a push notification queues a build. The controller is a real `steward start` child process;
 * the remote a real bare repository served by `git daemon`, asked with the real git. Measured:
 *
 * - CPU of the controller process (utime + stime from /proc/PID/stat) over CYCLES minutes while
 *   JOBS jobs with "Poll SCM" `* * * * *` (every minute, all at once: the worst burst) poll the one
 *   remote, as a share of one core; the processes started for the polls (git ls-remote, through the
 *   built-in node's launcher: their own CPU is not the controller's) and the polls run, from
 *   /metrics (steward_scm_polling). Every job has built the remote's head, so nothing is queued.
 *   Cron has minute resolution: the cycles are real minutes.
 * - push webhook → build queued: a signed GitHub push event (`POST /github-webhook/`) for a job
 *   with "GitHub hook trigger for GITScm polling" whose pushed head is not built, until the queue
 *   shows its item, TRIALS times, the item cancelled after each; the same for an anonymous
 *   `/git/notifyCommit?url=`, whose poll asks the remote with git ls-remote; and
 *   `/git/notifyCommit?sha1=` by a user who may build, which queues the build before it answers.
 *
 * Goals: controller CPU under 5 % of a core; webhook → queued p50 under 5 ms.
 *
 *   node --import tsx bench/scm-polling.ts                # 1,000 jobs, 3 cycles, 200 trials
 *   BENCH_QUICK=1 node --import tsx bench/scm-polling.ts  # 200 jobs, 1 cycle, 30 trials
 *   BENCH_JOBS=N, BENCH_CYCLES=N override (0: the notifications only); BENCH_CPU_PROF=DIR profiles the controller.
 */
import { createHmac } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GitDaemon } from '../test/support/git-daemon.js';
import { TestRepo, gitJobXml } from '../test/support/git-repos.js';
import { Controller, QUICK, machineLine, ms, scratchDir, sleep, summary } from './lib.js';

const JOBS = Number(process.env.BENCH_JOBS ?? (QUICK ? 200 : 1000));
const CYCLES = Number(process.env.BENCH_CYCLES ?? (QUICK ? 1 : 3));
const TRIALS = QUICK ? 30 : 200;

const SECRET = 'bench-hook-secret';
const dir = scratchDir('scm-polling');
const home = path.join(dir, 'home');

/** A job of the remote with "Poll SCM" on `spec` (and the GitHub hook trigger with `hooked`). */
function jobXml(url: string, spec: string, hooked = false): string {
  const triggers = `<triggers>${hooked ? '<com.cloudbees.jenkins.GitHubPushTrigger plugin="github@1.37.3"><spec></spec></com.cloudbees.jenkins.GitHubPushTrigger>' : ''}<hudson.triggers.SCMTrigger><spec>${spec}</spec><ignorePostCommitHooks>false</ignorePostCommitHooks></hudson.triggers.SCMTrigger></triggers>`;
  return gitJobXml({ remotes: [[url]], command: 'true' }).replace('<triggers/>', triggers).replace('<canRoam>', '<quietPeriod>0</quietPeriod>\n  <canRoam>');
}

async function bareRepository(name: string): Promise<{ url: string; path: string; work: TestRepo }> {
  const bare = await daemon.createRepository(name);
  const work = await TestRepo.create(path.join(dir, `${name}-work`));
  await work.commit('first', { 'a.txt': 'a\n' });
  await work.push(bare.path);
  return { url: bare.url, path: bare.path, work };
}

async function pollingCounts(c: Controller): Promise<Record<string, number>> {
  const text = await (await c.fetch('metrics')).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^steward_scm_polling\{count="(\w+)"\} ([0-9.e+]+)$/gm)) out[m[1] as string] = Number(m[2]);
  return out;
}

async function buildOnce(c: Controller, job: string): Promise<void> {
  const n = await c.buildNumberOf(await c.queueBuild(job));
  const result = await c.waitForResult(job, n);
  if (result !== 'SUCCESS') throw new Error(`${job} #${n} ended ${result}:\n${await (await c.fetch(`job/${job}/${n}/consoleText`)).text()}`);
}

console.log(machineLine());
const daemon = await GitDaemon.start();
const shared = await bareRepository('shared');
const pushed = await bareRepository('pushed');

// Each job has built the remote's head once: one build, copied to every job before the controller starts.
let c = await Controller.start(home, { logFile: path.join(dir, 'setup.log') });
try {
  await c.createJob('poll-0000', jobXml(shared.url, ''));
  await c.createJob('hooked', jobXml(pushed.url, '', true));
  await buildOnce(c, 'poll-0000');
  await buildOnce(c, 'hooked');
  const created = await c.fetch('credentials/store/system/domain/_/createCredentials', {
    method: 'POST',
    headers: { 'content-type': 'application/xml' },
    body: `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>github-webhook</id><secret>${SECRET}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`,
  });
  if (created.status !== 200) throw new Error(`credentials: ${created.status} ${await created.text()}`);
} catch (err) {
  await daemon.stop();
  throw err;
} finally {
  await c.stop();
}
// The github plugin's shared secret, as an administrator configures it.
writeFileSync(
  path.join(home, 'github-plugin-configuration.xml'),
  '<github-plugin-configuration><hookSecretConfigs><org.jenkinsci.plugins.github.config.HookSecretConfig><credentialsId>github-webhook</credentialsId></org.jenkinsci.plugins.github.config.HookSecretConfig></hookSecretConfigs></github-plugin-configuration>\n',
);
const first = path.join(home, 'jobs', 'poll-0000');
for (let i = 1; i < JOBS; i++) cpSync(first, path.join(home, 'jobs', `poll-${String(i).padStart(4, '0')}`), { recursive: true });
for (let i = 0; i < JOBS; i++) writeFileSync(path.join(home, 'jobs', `poll-${String(i).padStart(4, '0')}`, 'config.xml'), jobXml(shared.url, '* * * * *'));

c = await Controller.start(home, { logFile: path.join(dir, 'controller.log'), ...(process.env.BENCH_CPU_PROF === undefined ? {} : { nodeArgs: [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] }) });
try {
  if (CYCLES > 0) {
    // From the middle of a minute, over whole minutes: each holds one firing of every job's cron.
    const toHalf = 30_000 - (Date.now() % 60_000);
    await sleep(toHalf > 0 ? toHalf : toHalf + 60_000);
    const before = await pollingCounts(c);
    const cpu0 = c.cpuMs();
    const t0 = performance.now();
    await sleep(CYCLES * 60_000);
    const share = (c.cpuMs() - cpu0) / (performance.now() - t0);
    const after = await pollingCounts(c);
    const polls = (after.polls ?? 0) - (before.polls ?? 0);
    const processes = (after.processes ?? 0) - (before.processes ?? 0);
    const queued = (await c.json<{ items: unknown[] }>('queue/api/json')).items.length;
    console.log(`polling: ${JOBS} jobs on one remote, "* * * * *", ${CYCLES} cycle(s)`);
    console.log(`  polls ${polls} (${(polls / CYCLES).toFixed(0)} a cycle), git ls-remote processes ${processes} (${(processes / CYCLES).toFixed(1)} a cycle), builds queued ${queued}`);
    console.log(`  controller CPU ${(share * 100).toFixed(2)} % of a core (goal < 5 %: ${share < 0.05 ? 'met' : 'NOT MET'})`);
  }

  // Push notifications, with no executor: a queued build stays in the queue until cancelled.
  await c.setExecutors(0);
  await pushed.work.commit('second', { 'a.txt': 'b\n' });
  await pushed.work.push(pushed.path);
  const head = await pushed.work.head();
  const body = JSON.stringify({ ref: 'refs/heads/main', after: head, repository: { clone_url: pushed.url }, pusher: { name: 'bench' } });
  const waitQueued = async (): Promise<number> => {
    for (;;) {
      const q = await c.json<{ items: { id: number; task: { name: string } }[] }>('queue/api/json?tree=items[id,task[name]]');
      const item = q.items.find((i) => i.task.name === 'hooked');
      if (item !== undefined) return item.id;
    }
  };
  const cancel = async (id: number) => {
    const res = await c.fetch(`queue/cancelItem?id=${id}`, { method: 'POST' });
    await res.arrayBuffer();
  };
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  const hook: number[] = [];
  const floor: number[] = [];
  const polled: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const h0 = performance.now();
    const res = await c.fetchAnonymous('github-webhook/', { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature }, body });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`github-webhook answered ${res.status}`);
    const hookId = await waitQueued();
    hook.push(performance.now() - h0);
    await cancel(hookId);

    // A notification without a vouched head: the poll asks the remote (at most once a second).
    await sleep(1100);
    const p0 = performance.now();
    const r1 = await c.fetchAnonymous(`git/notifyCommit?url=${encodeURIComponent(pushed.url)}`);
    await r1.arrayBuffer();
    const polledId = await waitQueued();
    polled.push(performance.now() - p0);
    await cancel(polledId);

    // The floor on this machine now: the smallest authenticated request, answered at once.
    const f0 = performance.now();
    await (await c.fetch('whoAmI/api/json')).arrayBuffer();
    floor.push(performance.now() - f0);

    const d0 = performance.now();
    const r2 = await c.fetch(`git/notifyCommit?url=${encodeURIComponent(pushed.url)}&sha1=${head}`);
    const text = await r2.text();
    direct.push(performance.now() - d0);
    if (!text.includes('Scheduled hooked')) throw new Error(`notifyCommit answered ${text}`);
    await cancel(await waitQueued());
  }
  const s1 = summary(hook);
  const s2 = summary(direct);
  const s3 = summary(polled);
  const s4 = summary(floor);
  console.log(`the floor, GET /whoAmI/api/json: p50 ${ms(s4.p50)} p90 ${ms(s4.p90)} (n=${s4.n})`);
  console.log(`signed github push webhook → build queued (queue read back): p50 ${ms(s1.p50)} p90 ${ms(s1.p90)} p99 ${ms(s1.p99)} (n=${s1.n}; goal p50 < 5 ms: ${s1.p50 < 5 ? 'met' : 'NOT MET'})`);
  console.log(`notifyCommit without sha1 → poll with git ls-remote → build queued (queue read back): p50 ${ms(s3.p50)} p90 ${ms(s3.p90)} p99 ${ms(s3.p99)} (n=${s3.n})`);
  console.log(`notifyCommit with sha1 → build queued when answered: p50 ${ms(s2.p50)} p90 ${ms(s2.p90)} p99 ${ms(s2.p99)} (n=${s2.n}; goal p50 < 5 ms: ${s2.p50 < 5 ? 'met' : 'NOT MET'})`);
  const log = readFileSync(c.logFile, 'utf8');
  const errors = log.split('\n').filter((l) => l.includes('"level":50')).length;
  if (errors > 0) console.log(`  ${errors} error lines in the controller's log`);
} finally {
  await c.stop();
  await daemon.stop();
  rmSync(dir, { recursive: true, force: true });
}
