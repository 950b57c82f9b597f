import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO, eventually, freestyleXml, tempDir, useController, type StewardProcess } from '../support/steward-process.js';

/**
 * A real client: Debian's jenkins-job-builder (JJB 3.11, on python-jenkins 1.4.0) run by the
 * system python on the YAML in test/e2e/fixtures/jjb. Each run gets its own HOME and
 * XDG_CACHE_HOME, so JJB's job cache (~/.cache/jenkins_jobs) starts empty and is this suite's alone.
 */
const PYTHON = '/usr/bin/python3';
const FIXTURES = path.join(REPO, 'test', 'e2e', 'fixtures', 'jjb');
const JOBS = ['jjb-build', 'jjb-lint-python', 'jjb-lint-shell', 'jjb-nightly'];

function hasJenkinsJobBuilder(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import jenkins_jobs'], { stdio: 'ignore' }).status === 0;
}

interface Run {
  code: number | null;
  /** JJB logs to stderr; stdout is empty for update and delete. */
  stderr: string;
}

/** `Number of jobs updated: N` from an update's log. */
function updatedCount(run: Run): number {
  const m = /Number of jobs updated: (\d+)/.exec(run.stderr);
  assert.ok(m !== null, `no "Number of jobs updated" in:\n${run.stderr}`);
  return Number(m[1]);
}

/** The jobs an update says it created or reconfigured, from its log. */
function touched(run: Run, verb: 'Creating' | 'Reconfiguring'): string[] {
  return [...run.stderr.matchAll(new RegExp(`${verb} jenkins job (\\S+)`, 'g'))].map((m) => m[1] as string).sort();
}

interface JobState {
  config: string;
  color: string;
  nextBuildNumber: number;
  builds: number[];
  disabled: boolean;
}

/** What a user sees of each job: its config.xml bytes and its state in the job's api/json. */
async function snapshot(s: StewardProcess): Promise<Record<string, JobState>> {
  const root = await s.json<{ jobs: { name: string }[] }>('api/json');
  const out: Record<string, JobState> = {};
  for (const { name } of root.jobs) {
    const res = await s.fetch(`job/${name}/config.xml`);
    assert.equal(res.status, 200);
    const job = await s.json<{ color: string; nextBuildNumber: number; builds: { number: number }[]; disabled: boolean }>(`job/${name}/api/json`);
    out[name] = { config: await res.text(), color: job.color, nextBuildNumber: job.nextBuildNumber, builds: job.builds.map((b) => b.number), disabled: job.disabled };
  }
  return out;
}

describe('Jenkins Job Builder 3.11 against a real controller', { skip: hasJenkinsJobBuilder() ? false : 'needs /usr/bin/python3 with jenkins-job-builder (apt-get install jenkins-job-builder)' }, () => {
  const ctl = useController();
  let work: Awaited<ReturnType<typeof tempDir>> | undefined;
  /** The YAML the suite runs JJB on: a copy of the fixtures, edited by the tests that change jobs. */
  let yaml = '';
  let ini = '';

  before(async () => {
    work = await tempDir('steward-jjb-');
    yaml = path.join(work.dir, 'jobs');
    await cp(FIXTURES, yaml, { recursive: true });
    // Once security is on, the controller makes an admin whose first password is in this file.
    const secret = path.join(ctl.home, 'secrets', 'initialAdminPassword');
    const credentials = existsSync(secret) ? `user=admin\npassword=${(await readFile(secret, 'utf8')).trim()}\n` : '';
    ini = path.join(work.dir, 'jenkins_jobs.ini');
    await writeFile(ini, `[job_builder]\nignore_cache=False\n\n[jenkins]\nurl=${ctl.s.url}\n${credentials}`);
  });
  after(async () => {
    await work?.[Symbol.asyncDispose]();
  });

  /** Runs `python3 -m jenkins_jobs --conf INI ARGS`; resolves with the exit code, whatever it is. */
  function jjb(...args: string[]): Promise<Run> {
    const home = work?.dir ?? assert.fail('no work folder');
    return new Promise((resolve) => {
      execFile(
        PYTHON,
        ['-m', 'jenkins_jobs', '--conf', ini, ...args],
        { timeout: 60_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, 'cache') } },
        (err, _stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stderr }),
      );
    });
  }

  /** `jenkins-jobs test`: the config.xml JJB generates for each job of the YAML, by job name. */
  async function generated(): Promise<Record<string, string>> {
    const out = path.join(work?.dir ?? assert.fail('no work folder'), 'generated');
    await rm(out, { recursive: true, force: true });
    const run = await jjb('test', '--config-xml', '-o', out, yaml);
    assert.equal(run.code, 0, run.stderr);
    const configs: Record<string, string> = {};
    for (const name of (await readdir(out)).sort()) configs[name] = await readFile(path.join(out, name, 'config.xml'), 'utf8');
    return configs;
  }

  /** The controller's "updated the configuration of job X" log lines so far. */
  function reconfigured(): string[] {
    return ctl.s.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('updated the configuration of job')).map((l) => String(l.job));
  }

  test('update creates every job the YAML defines, each with the config.xml JJB generates', async () => {
    const expected = await generated();
    assert.deepEqual(Object.keys(expected), JOBS);

    const run = await jjb('update', yaml);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(updatedCount(run), JOBS.length);
    assert.deepEqual(touched(run, 'Creating'), JOBS);

    const root = await ctl.s.json<{ jobs: { name: string; color: string; broken?: boolean }[] }>('api/json');
    assert.deepEqual(root.jobs.map((j) => [j.name, j.color, j.broken ?? false]), JOBS.map((name) => [name, 'notbuilt', false]));
    // Steward keeps config.xml as posted, so it reads back byte for byte.
    for (const name of JOBS) assert.equal(await (await ctl.s.fetch(`job/${name}/config.xml`)).text(), expected[name], name);

    // What Steward does not run is kept in config.xml, and the controller's log says so.
    const warnings = await eventually(() => {
      const w = ctl.s.lines.filter((l) => l.level === 40 && typeof l.job === 'string').map((l) => [l.job, l.msg]);
      return w.length >= 3 ? w.sort((a, b) => String(a[0]).localeCompare(String(b[0]))) : undefined;
    }, 'warnings about unsupported steps');
    const noActivity = 'option strategy hudson.plugins.build_timeout.impl.NoActivityTimeOutStrategy of hudson.plugins.build__timeout.BuildTimeoutWrapper';
    assert.deepEqual(warnings, [
      // JJB writes no followSymlinks, which Jenkins reads as true; Steward never follows a link.
      ['jjb-build', 'job jjb-build runs without what this controller does not run: option followSymlinks of hudson.tasks.ArtifactArchiver'],
      ['jjb-lint-python', `job jjb-lint-python runs without what this controller does not run: ${noActivity}`],
      ['jjb-lint-shell', `job jjb-lint-shell runs without what this controller does not run: ${noActivity}`],
    ]);

    const build = await ctl.s.json<{ property: { parameterDefinitions?: { _class: string; name: string }[] }[] }>('job/jjb-build/api/json');
    const params = build.property.flatMap((p) => p.parameterDefinitions ?? []).map((d) => [d.name, d._class]);
    assert.deepEqual(params, [
      ['GREETING', 'hudson.model.StringParameterDefinition'],
      ['VERBOSE', 'hudson.model.BooleanParameterDefinition'],
      ['TARGET', 'hudson.model.ChoiceParameterDefinition'],
      ['TOKEN', 'hudson.model.PasswordParameterDefinition'],
      ['NOTES', 'hudson.model.TextParameterDefinition'],
    ]);
  });

  test('a build of a JJB shell job takes its parameters, runs its steps, archives, records its tests and succeeds', async () => {
    const n = await ctl.s.buildNumberOf(await ctl.s.queueBuild('jjb-build', { GREETING: '  hi  ', TARGET: 'release', VERBOSE: 'true' }));
    assert.equal(await ctl.s.waitForResult('jjb-build', n), 'SUCCESS');
    const log = await (await ctl.s.fetch(`job/jjb-build/${n}/consoleText`)).text();
    // GREETING is trimmed (trim: true); NOTES and TOKEN take their defaults.
    assert.match(log, /^greeting is hi for release \(verbose: true\)$/m);
    assert.doesNotMatch(log, /not-a-real-token/);
    assert.match(log, /^Archiving artifacts\nRecording test results\nFinished: SUCCESS\n$/m);
    const b = await ctl.s.json<{ artifacts: { relativePath: string }[]; actions: { _class?: string }[] }>(`job/jjb-build/${n}/api/json`);
    assert.deepEqual(
      b.actions.filter((a) => a._class === 'hudson.tasks.junit.TestResultAction'),
      [{ _class: 'hudson.tasks.junit.TestResultAction', failCount: 0, skipCount: 0, totalCount: 1, urlName: 'testReport' }],
    );
    assert.deepEqual(b.artifacts.map((a) => a.relativePath), ['out/notes.txt']);
    const notes = await ctl.s.fetch(`job/jjb-build/${n}/artifact/out/notes.txt`);
    assert.equal(notes.status, 200);
    assert.equal(await notes.text(), 'first line\nsecond line\n\n');
  });

  test('a job with a timeout strategy Steward does not run builds without it, and its log says so', async () => {
    const n = await ctl.s.buildNumberOf(await ctl.s.queueBuild('jjb-lint-python'));
    assert.equal(await ctl.s.waitForResult('jjb-lint-python', n), 'SUCCESS');
    const log = await (await ctl.s.fetch(`job/jjb-lint-python/${n}/consoleText`)).text();
    assert.match(log, /^WARNING: build wrapper hudson\.plugins\.build__timeout\.BuildTimeoutWrapper with hudson\.plugins\.build_timeout\.impl\.NoActivityTimeOutStrategy is not supported by this controller; the build runs without it$/m);
    assert.match(log, /^linting python$/m);
  });

  test('updating again changes nothing: a flushed cache uploads every job unchanged, the cache uploads none', async () => {
    const before = await snapshot(ctl.s);
    const reconfiguredBefore = reconfigured().length;

    const flushed = await jjb('--flush-cache', 'update', yaml);
    assert.equal(flushed.code, 0, flushed.stderr);
    assert.deepEqual(touched(flushed, 'Reconfiguring'), JOBS);
    assert.deepEqual(touched(flushed, 'Creating'), []);
    await eventually(() => (reconfigured().length === reconfiguredBefore + JOBS.length ? true : undefined), 'the controller to log four reconfigurations');
    assert.deepEqual(reconfigured().slice(reconfiguredBefore).sort(), JOBS);
    assert.deepEqual(await snapshot(ctl.s), before);

    const cached = await jjb('update', yaml);
    assert.equal(cached.code, 0, cached.stderr);
    assert.equal(updatedCount(cached), 0);
    assert.equal(reconfigured().length, reconfiguredBefore + JOBS.length);
    assert.deepEqual(await snapshot(ctl.s), before);
  });

  test('changing one job in the YAML reconfigures that job and no other', async () => {
    const before = await snapshot(ctl.s);
    const file = path.join(yaml, 'nightly.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace("- shell: 'echo nightly'", "- shell: 'echo nightly, changed'"));
    const expected = await generated();
    assert.notEqual(expected['jjb-nightly'], before['jjb-nightly']?.config);

    const run = await jjb('update', yaml);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(updatedCount(run), 1);
    assert.deepEqual(touched(run, 'Reconfiguring'), ['jjb-nightly']);

    const after = await snapshot(ctl.s);
    assert.equal(after['jjb-nightly']?.config, expected['jjb-nightly']);
    assert.match(after['jjb-nightly']?.config ?? '', /<command>echo nightly, changed<\/command>/);
    assert.deepEqual({ ...after, 'jjb-nightly': undefined }, { ...before, 'jjb-nightly': undefined });

    const n = await ctl.s.buildNumberOf(await ctl.s.queueBuild('jjb-nightly'));
    assert.equal(await ctl.s.waitForResult('jjb-nightly', n), 'SUCCESS');
    assert.match(await (await ctl.s.fetch(`job/jjb-nightly/${n}/consoleText`)).text(), /^nightly, changed$/m);
  });

  test('delete removes the job it names and no other', async () => {
    const run = await jjb('delete', 'jjb-lint-shell');
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await ctl.s.fetch('job/jjb-lint-shell/api/json')).status, 404);
    const root = await ctl.s.json<{ jobs: { name: string }[] }>('api/json');
    assert.deepEqual(root.jobs.map((j) => j.name), JOBS.filter((j) => j !== 'jjb-lint-shell'));
  });

  test('update --delete-old removes the jobs JJB made that the YAML no longer defines, and keeps jobs made by hand', async () => {
    await ctl.s.createJob('hand-made', freestyleXml({ command: 'echo by hand' }));
    await rm(path.join(yaml, 'lint.yaml'));

    const run = await jjb('update', '--delete-old', yaml);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(updatedCount(run), 0);
    assert.match(run.stderr, /Removing obsolete jenkins job jjb-lint-python/);
    const root = await ctl.s.json<{ jobs: { name: string }[] }>('api/json');
    assert.deepEqual(root.jobs.map((j) => j.name), ['hand-made', 'jjb-build', 'jjb-nightly']);
  });
});
