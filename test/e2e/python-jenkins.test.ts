import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { REPO, adminPassword, useController } from '../support/steward-process.js';

/**
 * A real client: Debian's python3-jenkins (python-jenkins 1.4.0) run by the system python, driven
 * by test/e2e/python-jenkins-calls.py, which prints one JSON line per call.
 */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(REPO, 'test', 'e2e', 'python-jenkins-calls.py');

interface Call {
  call: string;
  ok: boolean;
  value?: unknown;
  error?: string;
}

type Obj = Record<string, unknown>;

/** Whether /usr/bin/python3 can import python-jenkins; checked before the suite so it can be skipped with a reason. */
function hasPythonJenkins(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import jenkins'], { stdio: 'ignore' }).status === 0;
}

describe('python-jenkins 1.4.0 against a real controller', { skip: hasPythonJenkins() ? false : 'needs /usr/bin/python3 with python3-jenkins (apt-get install python3-jenkins)' }, () => {
  const ctl = useController();

  test('every call a client makes to create, configure, build, watch and delete jobs works', { timeout: 240_000 }, async () => {
    const { stdout, stderr } = await promisify(execFile)(PYTHON, [SCRIPT, ctl.s.url, 'admin', await adminPassword(ctl.home)], { timeout: 200_000, maxBuffer: 16 * 1024 * 1024 });
    const calls = stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Call);
    const all = (name: string): Call[] => calls.filter((c) => c.call === name);
    const one = (name: string): Call => {
      const found = all(name);
      assert.equal(found.length, 1, `one "${name}" line in the output:\n${stdout}\n${stderr}`);
      return found[0]!;
    };
    /** The value of a call that must have succeeded. */
    const ok = (name: string): unknown => {
      const c = one(name);
      assert.equal(c.ok, true, `${name} failed: ${c.error ?? ''}`);
      return c.value;
    };
    const failed = (name: string): string => {
      const c = one(name);
      assert.equal(c.ok, false, `${name} was expected to fail, it gave ${JSON.stringify(c.value)}`);
      return c.error ?? '';
    };

    // Server and user.
    assert.equal(ok('get_version'), '2.479.3');
    assert.equal((ok('get_whoami') as Obj).id, 'admin');
    assert.deepEqual(ok('get_jobs'), []);
    assert.deepEqual(ok('get_all_jobs'), []);

    // Jobs: create, read, reconfigure, copy, rename, disable, enable.
    assert.equal(ok('create_job'), null);
    assert.equal(ok('job_exists'), true);
    assert.deepEqual((ok('get_jobs_after_create') as Obj[]).map((j) => [j.name, j.fullname, j.url, j.color]), [['pj-echo', 'pj-echo', `${ctl.s.url}job/pj-echo/`, 'notbuilt']]);
    const xml = ok('get_job_config') as string;
    assert.match(xml, /<description>made by python-jenkins<\/description>/);
    assert.match(xml, /<name>GREETING<\/name>/);
    assert.equal(ok('reconfig_job'), null);
    assert.match(ok('get_job_config_after_reconfig') as string, /<description>changed by reconfig_job<\/description>/);
    assert.equal(ok('copy_job'), null);
    assert.equal(ok('job_exists_copy'), true);
    assert.equal(ok('rename_job'), null);
    assert.equal(ok('job_exists_after_rename_old'), null);
    assert.equal(ok('job_exists_after_rename_new'), true);
    assert.equal(ok('disable_job'), null);
    assert.equal(ok('get_job_info_disabled'), true);
    assert.equal(ok('enable_job'), null);
    assert.equal(ok('get_job_info_enabled'), false);

    // A build with a parameter: queue item id, the item's executable, the build, its console.
    const q1 = ok('build_job_with_parameters') as number;
    assert.ok(Number.isInteger(q1) && q1 > 0, `queue id ${q1}`);
    const item1 = ok('get_queue_item') as Obj;
    assert.equal(item1.id, q1);
    const exec1 = item1.executable as Obj;
    assert.equal(exec1.number, 1);
    assert.equal(exec1.url, `${ctl.s.url}job/pj-echo/1/`);
    assert.ok(Array.isArray(ok('get_queue_info')));
    const info = ok('get_job_info') as Obj;
    assert.equal(info.name, 'pj-echo');
    assert.equal((info.lastBuild as Obj | null)?.number, 1);
    const build1 = ok('get_build_info') as Obj;
    assert.equal(build1.number, 1);
    assert.equal(build1.building, false);
    assert.equal(build1.result, 'SUCCESS');
    assert.equal(build1.queueId, q1);
    const console1 = ok('get_build_console_output') as string;
    assert.match(console1, /greeting is hi-from-python/);
    assert.match(console1, /Finished: SUCCESS/);

    // Without parameters: the default value.
    const q2 = ok('build_job_without_parameters') as number;
    assert.ok(q2 > q1);
    assert.equal(((ok('get_queue_item_without_parameters') as Obj).executable as Obj).number, 2);
    assert.equal((ok('get_build_info_without_parameters') as Obj).result, 'SUCCESS');
    assert.match(ok('get_build_console_output_without_parameters') as string, /greeting is hello-default/);

    // Test results: get_build_test_report answers the junit plugin's report, and None without one.
    assert.equal(ok('get_build_test_report_none'), null);
    assert.equal((ok('get_build_info_tests') as Obj).result, 'UNSTABLE');
    const report = ok('get_build_test_report') as Obj;
    assert.deepEqual([report._class, report.failCount, report.passCount, report.skipCount], ['hudson.tasks.junit.TestResult', 1, 1, 0]);
    const cases = (report.suites as Obj[]).flatMap((s) => s.cases as Obj[]).map((c) => [c.className, c.name, c.status, c.errorDetails, c.errorStackTrace]);
    assert.deepEqual(cases, [
      ['smoke.Api', 'answers', 'PASSED', null, null],
      ['smoke.Api', 'fails', 'FAILED', 'expected 200', 'got 500'],
    ]);

    // A long build: found running on the built-in node, stopped, deleted.
    assert.equal(ok('create_job_long'), null);
    ok('build_job_long');
    const n3 = ((ok('get_queue_item_long') as Obj).executable as Obj).number as number;
    // python-jenkins 1.4.0 looks the node up by its display name, "Built-In Node", which Jenkins
    // (since 2.307) answers 404; Steward answers it as "(built-in)".
    const runningBuilds = ok('get_running_builds') as Obj[];
    assert.deepEqual(runningBuilds, [{ name: 'pj-long', number: n3, url: `${ctl.s.url}job/pj-long/${n3}/`, node: 'Built-In Node', executor: runningBuilds[0]?.executor }]);
    const running = ok('running_builds_on_built_in') as Obj[];
    assert.ok(running.some((r) => r.number === n3 && r.url === `${ctl.s.url}job/pj-long/${n3}/`), JSON.stringify(running));
    assert.equal(ok('stop_build'), null);
    const stopped = ok('get_build_info_stopped') as Obj;
    assert.equal(stopped.building, false);
    assert.equal(stopped.result, 'ABORTED');
    assert.ok((stopped.duration as number) < 50_000, `stopped after ${String(stopped.duration)} ms`);
    assert.deepEqual(ok('running_builds_on_built_in_after_stop'), []);
    // python-jenkins 1.4.0 hands b'' to requests as the headers of delete_build's POST, so it
    // fails against any server that issues crumbs (Jenkins too); the POST it means succeeds.
    assert.match(failed('delete_build'), /'bytes' object does not support item assignment/);
    assert.equal(ok('delete_build_as_meant'), null);
    assert.match(failed('get_build_info_deleted'), /job\[pj-long\] number\[1\] does not exist/);

    // Nodes and plugins.
    assert.deepEqual(ok('get_nodes'), [{ name: 'Built-In Node', offline: false }]);
    assert.equal((ok('get_node_info_by_display_name') as Obj).displayName, 'Built-In Node');
    for (const name of ['get_node_info', 'get_node_info_master']) {
      const node = ok(name) as Obj;
      assert.equal(node._class, 'hudson.model.Hudson$MasterComputer');
      assert.equal(node.displayName, 'Built-In Node');
      assert.ok(Array.isArray(node.executors) && node.executors.length > 0);
    }
    assert.equal(ok('node_exists'), true);
    assert.equal(ok('node_exists_missing'), false);
    // get_plugins returns a (Python) dict keyed by plugin; there are none.
    assert.equal(ok('get_plugins'), '{}');

    assert.equal(ok('set_next_build_number'), null);
    assert.equal(ok('next_build_number'), 42);

    // A build waiting out a 60 s quiet period, cancelled.
    assert.equal(ok('create_job_quiet'), null);
    const q4 = ok('build_job_quiet') as number;
    const waiting = ok('get_queue_item_quiet') as Obj;
    assert.equal(waiting.id, q4);
    assert.equal(waiting._class, 'hudson.model.Queue$WaitingItem');
    // Steward answers with a redirect to the Referer, as Jenkins did before 2.210; the 204 without
    // a body that Jenkins gives since is an EmptyResponseException to python-jenkins 1.4.0.
    assert.equal(ok('cancel_queue'), null);
    const cancelled = ok('get_queue_item_cancelled') as Obj;
    assert.equal(cancelled._class, 'hudson.model.Queue$LeftItem');
    assert.equal(cancelled.cancelled, true);
    assert.equal(cancelled.executable ?? null, null);
    assert.ok(!(ok('get_queue_info_after_cancel') as Obj[]).some((i) => i.id === q4));

    // delete_job checks job_exists afterwards itself; each returned None.
    const deletes = all('delete_job');
    assert.equal(deletes.length, 5);
    for (const d of deletes) assert.equal(d.ok, true, d.error);
    for (const e of all('job_exists_after_delete')) assert.deepEqual([e.ok, e.value], [true, null]);
    assert.deepEqual(ok('get_jobs_after_delete'), []);

    // A job that uses what Steward does not run: python-jenkins ignores the body listing it.
    assert.equal(ok('create_job_not_run'), null);
    assert.equal(ok('reconfig_job_not_run'), null);
    assert.deepEqual(ok('get_job_info_not_run'), [['publisher', 'hudson.plugins.jacoco.JacocoPublisher', 'skipped']]);
    assert.equal(ok('delete_job_not_run'), null);

    // Every line was asserted on: nothing else failed.
    const expectedFailures = new Set(['delete_build', 'get_build_info_deleted']);
    assert.deepEqual(calls.filter((c) => !c.ok && !expectedFailures.has(c.call)), []);
  });
});
