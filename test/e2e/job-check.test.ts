import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { STEWARD_BIN, tempDir } from '../support/steward-process.js';

/** Real job configurations; their sources are in fixtures/jenkins-jobs/README.md. */
const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'jenkins-jobs');

function check(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [STEWARD_BIN, 'job', 'check', ...args], (err, stdout, stderr) => {
      resolve({ status: err === null ? 0 : Number(err.code), stdout, stderr });
    });
  });
}

describe('steward job check, without a controller', () => {
  test('a job whose builds run without a publisher is listed, and exits 0', async () => {
    const r = await check(path.join(FIXTURES, 'jacoco-publisher.xml'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /jacoco-publisher\.xml: 1 element will not run\n {2}skipped: publisher hudson\.plugins\.jacoco\.JacocoPublisher: this post-build action is not installed here/);
  });

  test('a job whose builds will fail exits 1; a home copied from Jenkins is read job by job', async () => {
    await using home = await tempDir();
    for (const [name, file] of [['seed', 'seed-on-master.xml'], ['coverage', 'jacoco-publisher.xml']]) {
      await mkdir(path.join(home.dir, 'jobs', name!), { recursive: true });
      await copyFile(path.join(FIXTURES, file!), path.join(home.dir, 'jobs', name!, 'config.xml'));
    }
    const r = await check(home.dir);
    assert.equal(r.status, 1, r.stderr);
    const jobs = path.join(home.dir, 'jobs');
    assert.equal(
      r.stdout,
      `${jobs}/coverage/config.xml: 1 element will not run\n` +
        '  skipped: publisher hudson.plugins.jacoco.JacocoPublisher: this post-build action is not installed here: builds do not run it, so their result does not include it; their log says so\n' +
        `${jobs}/seed/config.xml: 1 element will not run\n` +
        '  fails-build: builder javaposse.jobdsl.plugin.ExecuteDslScripts (plugin job-dsl): this build step is not installed here: builds fail before any step runs\n',
    );
    const json = await check('--json', path.join(jobs, 'seed'));
    assert.deepEqual(JSON.parse(json.stdout), [
      {
        file: path.join(jobs, 'seed', 'config.xml'),
        notRunCount: 1,
        notRun: [{ kind: 'builder', name: 'javaposse.jobdsl.plugin.ExecuteDslScripts', plugin: 'job-dsl', treatment: 'fails-build', reason: 'this build step is not installed here: builds fail before any step runs' }],
      },
    ]);
  });

  test('XML that is not well-formed, a Pipeline job and a missing file exit 2, naming file, line and column', async () => {
    await using dir = await tempDir();
    const bad = path.join(dir.dir, 'bad.xml');
    await writeFile(bad, '<project>\n  <builders>\n</project>\n');
    const r = await check(bad, path.join(FIXTURES, 'pipeline-mrt-core2.xml'), path.join(dir.dir, 'none.xml'), path.join(FIXTURES, 'jacoco-publisher.xml'));
    assert.equal(r.status, 2);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0] ?? '', new RegExp(`^steward: ${bad}:3:1: `));
    assert.match(lines[1] ?? '', /pipeline-mrt-core2\.xml: <flow-definition> jobs are not supported; Steward runs freestyle <project> jobs$/);
    assert.equal(lines[2], `steward: ${path.join(dir.dir, 'none.xml')}: no such file`);
    assert.match(r.stdout, /jacoco-publisher\.xml: 1 element will not run/);
  });
});
