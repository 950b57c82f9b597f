import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { openHome, runOneBuild } from '../../../test/jobs/home.js';
import { freestyleXml, stringParam, tempDir } from '../../../test/support/steward-process.js';

// The elements as ws-cleanup 0.22 to 0.45 writes them into a job's config.xml: the wrapper as a
// public job config of the avocado-vt CI holds it (<hudson.plugins.ws__cleanup.PreBuildCleanup
// plugin="ws-cleanup@0.22"> with deleteDirs, cleanupParameter, externalDelete), patterns as the
// Job DSL plugin documents them for preBuildCleanup, and the publisher's fields as
// jenkinsci/ws-cleanup-plugin's WsCleanup.java declares them.
const PRE = (inner = '') => `<hudson.plugins.ws__cleanup.PreBuildCleanup plugin="ws-cleanup@0.22">
      ${inner}
      <deleteDirs>false</deleteDirs>
      <cleanupParameter></cleanupParameter>
      <externalDelete></externalDelete>
    </hudson.plugins.ws__cleanup.PreBuildCleanup>`;
const PATTERN = (pattern: string, type: 'INCLUDE' | 'EXCLUDE') => `<hudson.plugins.ws__cleanup.Pattern><pattern>${pattern}</pattern><type>${type}</type></hudson.plugins.ws__cleanup.Pattern>`;

function job(command: string, opts: { wrappers?: string; publishers?: string; parameters?: string } = {}): string {
  return freestyleXml({ command, ...opts });
}

const workspaceOf = (home: string, name: string) => readdir(path.join(home, 'workspace', name)).then((names) => names.sort());

describe('the workspace clean-up plugin', () => {
  test('before the build, the workspace is emptied, saying so as the plugin does', async () => {
    await using dir = await tempDir();
    await using h = await openHome(dir.dir);
    await h.jobs.create('fresh', job('ls; touch made-by-$BUILD_NUMBER', { wrappers: PRE() }));
    await runOneBuild(h.jobs, dir.dir, 'fresh');
    const second = await runOneBuild(h.jobs, dir.dir, 'fresh');
    assert.equal(second.result, 'SUCCESS');
    assert.match(second.log, /^\[WS-CLEANUP\] Deleting project workspace\.\.\.\n\[WS-CLEANUP\] Done$/m);
    assert.doesNotMatch(second.log, /made-by-1/, "the first build's file was gone when the second ran");
    assert.deepEqual(await workspaceOf(dir.dir, 'fresh'), ['made-by-2']);
  });

  test('with patterns, only the files they include and do not exclude go', async () => {
    await using dir = await tempDir();
    await using h = await openHome(dir.dir);
    const wrappers = PRE(`<patterns>${PATTERN('**/*.class', 'INCLUDE')}${PATTERN('keep/**', 'EXCLUDE')}</patterns>`);
    await h.jobs.create('classes', job('mkdir -p src keep; [ -e src/A.java ] || { touch src/A.java src/A.class keep/K.class; }', { wrappers }));
    await runOneBuild(h.jobs, dir.dir, 'classes');
    await runOneBuild(h.jobs, dir.dir, 'classes');
    assert.deepEqual(await readdir(path.join(dir.dir, 'workspace/classes/src')), ['A.java']);
    assert.deepEqual(await readdir(path.join(dir.dir, 'workspace/classes/keep')), ['K.class']);
  });

  test('a cleanupParameter that is not true skips the clean-up', async () => {
    await using dir = await tempDir();
    await using h = await openHome(dir.dir);
    const wrappers = `<hudson.plugins.ws__cleanup.PreBuildCleanup plugin="ws-cleanup@0.22">
      <deleteDirs>false</deleteDirs>
      <cleanupParameter>CLEANUP</cleanupParameter>
      <externalDelete></externalDelete>
    </hudson.plugins.ws__cleanup.PreBuildCleanup>`;
    await h.jobs.create('optional', job('touch kept', { wrappers, parameters: stringParam('CLEANUP', 'false') }));
    await runOneBuild(h.jobs, dir.dir, 'optional');
    const again = await runOneBuild(h.jobs, dir.dir, 'optional', [{ name: 'CLEANUP', value: 'false', sensitive: false }]);
    assert.match(again.log, /^\[WS-CLEANUP\] Clean-up disabled, skipping workspace deletion\.$/m);
    assert.deepEqual(await workspaceOf(dir.dir, 'optional'), ['kept']);
  });

  test('after the build, the workspace goes for the results it is set to clean for, and stays for the others', async () => {
    await using dir = await tempDir();
    await using h = await openHome(dir.dir);
    const publishers = `<hudson.plugins.ws__cleanup.WsCleanup plugin="ws-cleanup@0.45">
      <patterns class="empty-list"/>
      <deleteDirs>false</deleteDirs>
      <skipWhenFailed>false</skipWhenFailed>
      <cleanWhenSuccess>true</cleanWhenSuccess>
      <cleanWhenUnstable>true</cleanWhenUnstable>
      <cleanWhenFailure>false</cleanWhenFailure>
      <cleanWhenNotBuilt>true</cleanWhenNotBuilt>
      <cleanWhenAborted>true</cleanWhenAborted>
      <notFailBuild>false</notFailBuild>
      <cleanupMatrixParent>false</cleanupMatrixParent>
      <externalDelete></externalDelete>
      <disableDeferredWipeout>false</disableDeferredWipeout>
    </hudson.plugins.ws__cleanup.WsCleanup>`;
    await h.jobs.create('after', job('touch out.txt; exit $FAIL', { publishers, parameters: stringParam('FAIL', '0') }));
    const failed = await runOneBuild(h.jobs, dir.dir, 'after', [{ name: 'FAIL', value: '1', sensitive: false }]);
    assert.equal(failed.result, 'FAILURE');
    assert.match(failed.log, /^\[WS-CLEANUP\] Skipped based on build state FAILURE$/m);
    assert.deepEqual(await workspaceOf(dir.dir, 'after'), ['out.txt']);
    const passed = await runOneBuild(h.jobs, dir.dir, 'after', [{ name: 'FAIL', value: '0', sensitive: false }]);
    assert.equal(passed.result, 'SUCCESS');
    assert.match(passed.log, /^\[WS-CLEANUP\] done$/m);
    assert.deepEqual(await workspaceOf(dir.dir, 'after'), []);
  });
});
