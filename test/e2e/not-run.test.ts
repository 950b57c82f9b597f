import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StewardProcess, freestyleXml, tempDir, useController } from '../support/steward-process.js';

/** Real job configurations; their sources are in fixtures/jenkins-jobs/README.md. */
const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'jenkins-jobs');
const fixture = (name: string) => readFile(path.join(FIXTURES, name), 'utf8');

interface NotRunAnswer {
  name: string;
  notRunCount: number;
  notRun: { kind: string; name: string; plugin: string | null; treatment: string; reason: string }[];
}

describe('what a job uses that this controller will not run', () => {
  const ctl = useController();

  test('createItem answers 200 with the elements that will not run, in its body and a header', async () => {
    const res = await ctl.s.fetch('createItem?name=seed', { method: 'POST', body: await fixture('seed-on-master.xml'), headers: { 'content-type': 'application/xml' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-steward-not-run'), '1');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as NotRunAnswer;
    assert.deepEqual(body, {
      name: 'seed',
      notRunCount: 1,
      notRun: [
        {
          kind: 'builder',
          name: 'javaposse.jobdsl.plugin.ExecuteDslScripts',
          plugin: 'job-dsl',
          treatment: 'fails-build',
          reason: 'this build step is not installed here: builds fail before any step runs',
        },
      ],
    });
  });

  test('POST config.xml answers the new list, and api/json carries it, with tree=', async () => {
    await ctl.s.createJob('coverage', freestyleXml({ command: 'echo hi' }));
    assert.deepEqual(await ctl.s.json('job/coverage/api/json?tree=notRun[name]'), { _class: 'hudson.model.FreeStyleProject', notRun: [] });

    const res = await ctl.s.fetch('job/coverage/config.xml', { method: 'POST', body: await fixture('jacoco-publisher.xml'), headers: { 'content-type': 'application/xml' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-steward-not-run'), '1');
    const body = (await res.json()) as NotRunAnswer;
    assert.deepEqual(
      body.notRun.map((e) => [e.kind, e.name, e.plugin, e.treatment]),
      [['publisher', 'hudson.plugins.jacoco.JacocoPublisher', null, 'skipped']],
    );
    const job = await ctl.s.json('job/coverage/api/json?tree=name,notRun[kind,name,treatment]');
    assert.deepEqual(job, {
      _class: 'hudson.model.FreeStyleProject',
      name: 'coverage',
      notRun: [{ kind: 'publisher', name: 'hudson.plugins.jacoco.JacocoPublisher', treatment: 'skipped' }],
    });

    const plain = await ctl.s.fetch('job/coverage/config.xml', { method: 'POST', body: freestyleXml({ command: 'echo hi' }), headers: { 'content-type': 'application/xml' } });
    assert.equal(plain.headers.get('x-steward-not-run'), '0');
    assert.deepEqual(await plain.json(), { name: 'coverage', notRunCount: 0, notRun: [] });
  });
});

describe('a home copied from Jenkins', () => {
  test('start-up says in one line how many jobs use what will not run, naming the most common', async () => {
    await using home = await tempDir();
    const jobs: Record<string, string> = {
      seed: await fixture('seed-on-master.xml'),
      'coverage-a': await fixture('jacoco-publisher.xml'),
      'coverage-b': await fixture('jacoco-publisher.xml'),
      plain: freestyleXml({ command: 'echo hi' }),
    };
    for (const [name, xml] of Object.entries(jobs)) {
      await mkdir(path.join(home.dir, 'jobs', name), { recursive: true });
      await writeFile(path.join(home.dir, 'jobs', name, 'config.xml'), xml);
    }
    const s = await StewardProcess.start(home.dir);
    try {
      const lines = s.lines.filter((l) => typeof l.msg === 'string' && /does not run/.test(l.msg));
      assert.deepEqual(
        lines.map((l) => [l.level, l.msg]),
        [
          [
            40,
            '3 of 4 jobs use what this controller does not run, and builds of 1 will fail: hudson.plugins.jacoco.JacocoPublisher (2 jobs), ' +
              "javaposse.jobdsl.plugin.ExecuteDslScripts (1 job); each job's api/json lists its own in notRun",
          ],
        ],
      );
      assert.deepEqual(lines[0]?.elements, { 'hudson.plugins.jacoco.JacocoPublisher': 2, 'javaposse.jobdsl.plugin.ExecuteDslScripts': 1 });
    } finally {
      await s.stop();
    }
  });
});
