import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseFreestyleConfig } from '../../jobs/index.js';
import { parseXml } from '../../xml/index.js';
import { catchSteward } from '../../../test/jobs/config/helpers.js';
import { openHome } from '../../../test/jobs/home.js';
import { parseGitScm, type GitScmConfig } from './index.js';

/** A fixture of ./fixtures (see SOURCE there for where each comes from), parsed as a job's <scm>. */
function scmOf(name: string): GitScmConfig {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  const scm = parseFreestyleConfig(text, `jobs/${name}/config.xml`).config.scm;
  assert.ok(scm !== undefined, `${name} has an SCM`);
  assert.equal(scm.type, 'hudson.plugins.git.GitSCM');
  return parseGitScm(scm.element);
}

describe('git SCM parser', () => {
  it('reads the remote, its refspec and the branch of a git plugin 1.1 job, with no extension', () => {
    const c = scmOf('old1.xml');
    assert.deepEqual(c.remotes, [{ name: 'origin', url: 'https://github.com/jenkinsci/model-ant-project.git', refspec: '+refs/heads/*:refs/remotes/origin/*', credentialsId: undefined }]);
    assert.deepEqual(c.branches, ['origin/master']);
    assert.equal(c.extensions.wipeWorkspace, false);
    assert.equal(c.extensions.cleanAfterCheckout, false);
    assert.equal(c.extensions.relativeTargetDir, undefined);
    assert.equal(c.extensions.submodules, undefined);
    assert.deepEqual(c.unsupported, []);
  });

  it('reads several remotes with their names and credentials, and the legacy wipeOutWorkspace', () => {
    const c = scmOf('git-multiple-remotes.xml');
    assert.deepEqual(
      c.remotes.map((r) => [r.name, r.url, r.credentialsId]),
      [
        ['internal', 'ssh://git@internal.example.com/foobar.git', '01234567-89ab-cdef-0123-456789abcdef'],
        ['github', 'https://github.com/exampleuser/foobar.git', undefined],
      ],
    );
    assert.deepEqual(c.branches, ['github/master']);
    assert.equal(c.extensions.wipeWorkspace, true);
    // <skipTag>false</skipTag> asks for a tag per build (PerBuildTag), which Steward does not make.
    assert.deepEqual(c.unsupported, ['extension hudson.plugins.git.extensions.impl.PerBuildTag (<skipTag>false</skipTag>)']);
  });

  it('reads CleanCheckout, CleanBeforeCheckout and WipeWorkspace', () => {
    const { extensions: e, branches } = scmOf('git-clean01.xml');
    assert.deepEqual(branches, ['**']);
    assert.equal(e.cleanAfterCheckout, true);
    assert.equal(e.cleanBeforeCheckout, true);
    assert.equal(e.wipeWorkspace, true);
  });

  it('reads CloneOption: depth, noTags, and the default timeout of 10 minutes', () => {
    const { extensions: e } = scmOf('git-cloneoptions01.xml');
    assert.deepEqual(e.clone, { shallow: false, depth: 1, noTags: true, reference: undefined, timeoutMinutes: 10, honorRefspec: false });
    assert.equal(e.wipeWorkspace, true);
  });

  it('reads SubmoduleOption with its timeout', () => {
    const { extensions: e } = scmOf('git-submodule01.xml');
    assert.deepEqual(e.submodules, { disable: true, recursive: true, tracking: true, timeoutMinutes: 15 });
  });

  it('reads the legacy localBranch field as LocalBranch', () => {
    assert.equal(scmOf('local-branch001.xml').extensions.localBranch, 'master');
  });

  it('reads RelativeTargetDirectory and PruneStaleBranch, and lists the extensions it does not run', () => {
    const c = scmOf('git-extensions03.xml');
    assert.equal(c.extensions.relativeTargetDir, 'go/src/github.com/foo/example');
    assert.equal(c.extensions.pruneStaleBranch, true);
    assert.equal(c.extensions.authorInChangelog, true);
    assert.deepEqual(c.unsupported, [
      'extension hudson.plugins.git.extensions.impl.UserExclusion',
      'extension hudson.plugins.git.extensions.impl.ScmName',
      'extension hudson.plugins.git.extensions.impl.PerBuildTag',
    ]);
  });

  it('refuses an SCM without a repository URL, naming the field', () => {
    const scm = parseXml(
      '<scm class="hudson.plugins.git.GitSCM"><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><name>origin</name></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs></scm>',
      'jobs/x/config.xml',
    ).root;
    const e = catchSteward('STW_CONFIG_INVALID', () => parseGitScm(scm));
    assert.match(e.message, /url.*is missing or empty/);
    assert.equal(e.file, 'jobs/x/config.xml');
  });

  it("a job's unknown git extensions load as unsupported, named for the log", async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'steward-git-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await using home = await openHome(dir);
    const text = readFileSync(new URL('./fixtures/git-extensions03.xml', import.meta.url), 'utf8');
    const def = (await home.jobs.create('example', text)).definition;
    assert.equal(def.kind, 'freestyle');
    if (def.kind !== 'freestyle') return;
    assert.deepEqual(def.missing, []);
    assert.ok(def.scm !== undefined);
    assert.ok(
      def.notRun.some((e) => e.kind === 'option' && e.name === 'hudson.plugins.git.extensions.impl.ScmName' && e.within === 'hudson.plugins.git.GitSCM' && e.treatment === 'skipped'),
      JSON.stringify(def.notRun),
    );
  });
});
