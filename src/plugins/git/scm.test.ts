import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../../../test/support/steward-process.js';
import { TestRepo, gitJobXml } from '../../../test/support/git-repos.js';
import { GitDaemon } from '../../../test/support/git-daemon.js';
import { openHome, runOneBuild } from '../../../test/jobs/home.js';

/** The step writes the GIT_ variables it sees, one per line, to seen-env. */
const SHOW_ENV = 'env | grep "^GIT_" | sort > "$WORKSPACE/../seen-env-$BUILD_NUMBER"';

async function seenEnv(workspace: string, build: number): Promise<Record<string, string>> {
  const text = await readFile(path.join(workspace, '..', `seen-env-${build}`), 'utf8');
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('git checkout', () => {
  test("a build checks out the branch's head, detached, with the plugin's variables; the next build knows the previous commit and shows the changes", async () => {
    await using tmp = await tempDir();
    const repo = await TestRepo.create(path.join(tmp.dir, 'repo'));
    const first = await repo.commit('First version', { 'README.md': 'one\n' });
    await using h = await openHome(path.join(tmp.dir, 'home'));
    await h.jobs.create('app', gitJobXml({ remotes: [[repo.url]], command: `cat README.md\ngit status --short --branch\n${SHOW_ENV}` }));

    const one = await runOneBuild(h.jobs, path.join(tmp.dir, 'home'), 'app');
    assert.equal(one.result, 'SUCCESS', one.log);
    assert.match(one.log, /^Cloning the remote Git repository$/m);
    assert.match(one.log, new RegExp(`^ > git fetch --tags --force -- ${repo.url} \\+refs/heads/\\*:refs/remotes/origin/\\* # timeout=10$`, 'm'));
    assert.match(one.log, new RegExp(`^Checking out Revision ${first} \\(refs/remotes/origin/main\\)$`, 'm'));
    assert.match(one.log, new RegExp(`^ > git checkout -f ${first} # timeout=10$`, 'm'));
    assert.match(one.log, /^Commit message: "First version"$/m);
    assert.match(one.log, /^First time build\. Skipping changelog\.$/m);
    assert.match(one.log, /^one$/m, 'the step sees the checked-out file');
    assert.match(one.log, /^## HEAD \(no branch\)$/m, 'HEAD is detached');
    const env1 = await seenEnv(one.workspace, 1);
    assert.deepEqual(env1, { GIT_BRANCH: 'origin/main', GIT_COMMIT: first, GIT_URL: repo.url });

    const record = await readFile(path.join(tmp.dir, 'home/jobs/app/builds/1/build.xml'), 'utf8');
    assert.match(record, /<hudson\.plugins\.git\.util\.BuildData plugin="git">/);
    assert.match(record, new RegExp(`<string>origin/main</string>\\s*<hudson\\.plugins\\.git\\.util\\.Build>\\s*<marked>\\s*<sha1>${first}</sha1>`));

    const second = await repo.commit('Second version\n\nWith a body.', { 'README.md': 'two\n', 'src/new.txt': 'new\n' });
    const two = await runOneBuild(h.jobs, path.join(tmp.dir, 'home'), 'app');
    assert.equal(two.result, 'SUCCESS', two.log);
    assert.match(two.log, /^Fetching changes from the remote Git repository$/m);
    assert.match(two.log, /^two$/m);
    const env2 = await seenEnv(two.workspace, 2);
    assert.deepEqual(env2, { GIT_BRANCH: 'origin/main', GIT_COMMIT: second, GIT_PREVIOUS_COMMIT: first, GIT_PREVIOUS_SUCCESSFUL_COMMIT: first, GIT_URL: repo.url });

    const changelog = await readFile(path.join(tmp.dir, 'home/jobs/app/builds/2/changelog.xml'), 'utf8');
    assert.match(changelog, new RegExp(`^commit ${second}\n`));
    assert.match(changelog, /^committer Carl Committer <carl@example\.com> 2026-03-0\d 10:00:00 \+0000$/m);
    assert.match(changelog, /^ {4}Second version$/m);
    assert.match(changelog, /^:100644 100644 [0-9a-f]{40} [0-9a-f]{40} M\tREADME\.md$/m);
    const job = h.jobs.require('app');
    assert.ok(job.definition.kind === 'freestyle' && job.definition.scm !== undefined);
    const changeSet = job.definition.scm.changeSet(await h.jobs.changelog(job, 2));
    assert.deepEqual(changeSet, {
      _class: 'hudson.plugins.git.GitChangeSetList',
      items: [
        {
          _class: 'hudson.plugins.git.GitChangeSet',
          affectedPaths: ['README.md', 'src/new.txt'],
          commitId: second,
          timestamp: Date.parse('2026-03-03T10:00:00Z'),
          author: { fullName: 'Carl Committer' },
          authorEmail: 'carl@example.com',
          comment: 'Second version\n\nWith a body.\n',
          date: '2026-03-03 10:00:00 +0000',
          id: second,
          msg: 'Second version',
          paths: [
            { editType: 'edit', file: 'README.md' },
            { editType: 'add', file: 'src/new.txt' },
          ],
        },
      ],
      kind: 'git',
    });
    assert.deepEqual(job.definition.scm.changeSet(await h.jobs.changelog(job, 1)), { _class: 'hudson.plugins.git.GitChangeSetList', items: [], kind: 'git' });
  });

  test('a checkout that fails ends the build FAILURE with the reason, before any builder runs', async () => {
    await using tmp = await tempDir();
    const repo = await TestRepo.create(path.join(tmp.dir, 'repo'));
    await repo.commit('First', { 'a.txt': 'a\n' });
    await using h = await openHome(path.join(tmp.dir, 'home'));
    await h.jobs.create('no-branch', gitJobXml({ remotes: [[repo.url]], branches: ['*/release'], command: 'echo the builder ran' }));
    await h.jobs.create('no-repo', gitJobXml({ remotes: [[`file://${tmp.dir}/missing`]], command: 'echo the builder ran' }));

    const a = await runOneBuild(h.jobs, path.join(tmp.dir, 'home'), 'no-branch');
    assert.equal(a.result, 'FAILURE');
    assert.match(a.log, /^ERROR: Couldn't find any revision to build\. Verify the repository and branch configuration for this job\.\nFinished: FAILURE\n$/m);
    assert.doesNotMatch(a.log, /the builder ran/);

    // A node without git: the build's PATH has none.
    const c = await runOneBuild(h.jobs, path.join(tmp.dir, 'home'), 'no-branch', [], { PATH: path.join(tmp.dir, 'empty-bin') });
    assert.equal(c.result, 'FAILURE');
    assert.match(c.log, /^ERROR: git could not be run on this node: install git there, on the PATH builds get \(git init\)$/m);

    const b = await runOneBuild(h.jobs, path.join(tmp.dir, 'home'), 'no-repo');
    assert.equal(b.result, 'FAILURE');
    assert.match(b.log, /does not appear to be a git repository/);
    assert.match(b.log, /^ERROR: Error fetching remote repo 'origin' returned status code 128$/m);
    assert.doesNotMatch(b.log, /the builder ran/);
  });

  test('LocalBranch, RelativeTargetDirectory, CleanCheckout, WipeWorkspace, CloneOption, UserIdentity and CheckoutOption shape the checkout', async () => {
    await using tmp = await tempDir();
    const repo = await TestRepo.create(path.join(tmp.dir, 'repo'));
    const head = await repo.commit('First', { 'a.txt': 'a\n' });
    await using h = await openHome(path.join(tmp.dir, 'home'));
    const ext = 'hudson.plugins.git.extensions.impl';
    const extensions = `
      <${ext}.WipeWorkspace/>
      <${ext}.RelativeTargetDirectory><relativeTargetDir>src/app</relativeTargetDir></${ext}.RelativeTargetDirectory>
      <${ext}.LocalBranch><localBranch>**</localBranch></${ext}.LocalBranch>
      <${ext}.CleanCheckout/>
      <${ext}.CloneOption><shallow>true</shallow><noTags>true</noTags><reference/><depth>1</depth><honorRefspec>false</honorRefspec></${ext}.CloneOption>
      <${ext}.UserIdentity><name>ci</name><email>ci@example.com</email></${ext}.UserIdentity>
      <${ext}.CheckoutOption><timeout>5</timeout></${ext}.CheckoutOption>
      <${ext}.PerBuildTag/>`;
    const command = ['git -C src/app rev-parse --abbrev-ref HEAD', 'cat src/app/a.txt', 'test ! -e src/app/stale.txt && echo the stale file is gone', 'touch src/app/stale.txt', SHOW_ENV].join('\n');
    await h.jobs.create('app', gitJobXml({ remotes: [[repo.url]], extensions, command }));

    const one = await runOneBuild(h.jobs, path.join(tmp.dir, 'home'), 'app');
    assert.equal(one.result, 'SUCCESS', one.log);
    assert.match(one.log, /^WARNING: SCM extension hudson\.plugins\.git\.extensions\.impl\.PerBuildTag is not supported by this controller; the checkout runs without it$/m);
    assert.match(one.log, /^ > git config user\.name ci # timeout=10$/m);
    assert.match(one.log, /^ > git fetch --no-tags --force --depth=1 -- /m);
    assert.match(one.log, new RegExp(`^ > git checkout -f -B main ${head} # timeout=5$`, 'm'));
    assert.match(one.log, /^main$/m);
    assert.match(one.log, /^a$/m);
    const env = await seenEnv(one.workspace, 1);
    assert.equal(env.GIT_LOCAL_BRANCH, 'main');
    assert.equal(env.GIT_CHECKOUT_DIR, 'src/app');
    assert.equal(env.GIT_COMMIT, head);
    assert.equal(env.GIT_COMMITTER_NAME, 'ci');
    assert.equal(env.GIT_AUTHOR_EMAIL, 'ci@example.com');

    const two = await runOneBuild(h.jobs, path.join(tmp.dir, 'home'), 'app');
    assert.equal(two.result, 'SUCCESS', two.log);
    assert.match(two.log, /^Wiping out workspace first\.$/m);
    assert.match(two.log, /^the stale file is gone$/m);
  });

  test('several remotes are fetched, each named, and the job sees GIT_URL_1, GIT_URL_2', async () => {
    await using tmp = await tempDir();
    const upstream = await TestRepo.create(path.join(tmp.dir, 'upstream'));
    await upstream.commit('Upstream', { 'a.txt': 'upstream\n' });
    const fork = await TestRepo.create(path.join(tmp.dir, 'fork'));
    const forkHead = await fork.commit('Fork', { 'a.txt': 'fork\n' });
    await using h = await openHome(path.join(tmp.dir, 'home'));
    await h.jobs.create('app', gitJobXml({ remotes: [[upstream.url, 'upstream'], [fork.url, 'fork']], branches: ['fork/main'], command: `cat a.txt\n${SHOW_ENV}` }));
    const one = await runOneBuild(h.jobs, path.join(tmp.dir, 'home'), 'app');
    assert.equal(one.result, 'SUCCESS', one.log);
    assert.match(one.log, /^fork$/m);
    const env = await seenEnv(one.workspace, 1);
    assert.deepEqual(env, { GIT_BRANCH: 'fork/main', GIT_COMMIT: forkHead, GIT_URL_1: upstream.url, GIT_URL_2: fork.url });
  });

  test('GIT_PREVIOUS_SUCCESSFUL_COMMIT is the last commit a successful build built; GIT_PREVIOUS_COMMIT the last any build built', async () => {
    await using tmp = await tempDir();
    const repo = await TestRepo.create(path.join(tmp.dir, 'repo'));
    const home = path.join(tmp.dir, 'home');
    const first = await repo.commit('Good', { 'ok.sh': 'exit 0\n' });
    await using h = await openHome(home);
    await h.jobs.create('app', gitJobXml({ remotes: [[repo.url]], command: `${SHOW_ENV}\nsh ok.sh` }));
    assert.equal((await runOneBuild(h.jobs, home, 'app')).result, 'SUCCESS');
    const second = await repo.commit('Broken', { 'ok.sh': 'exit 1\n' });
    assert.equal((await runOneBuild(h.jobs, home, 'app')).result, 'FAILURE');
    const third = await repo.commit('Fixed', { 'ok.sh': 'exit 0\n' });
    const three = await runOneBuild(h.jobs, home, 'app');
    assert.equal(three.result, 'SUCCESS', three.log);
    const env = await seenEnv(three.workspace, 3);
    assert.equal(env.GIT_COMMIT, third);
    assert.equal(env.GIT_PREVIOUS_COMMIT, second);
    assert.equal(env.GIT_PREVIOUS_SUCCESSFUL_COMMIT, first);
  });

  test('among the branches a spec names, a head not built yet is built first; a sha1 spec builds that commit detached', async () => {
    await using tmp = await tempDir();
    const repo = await TestRepo.create(path.join(tmp.dir, 'repo'));
    const home = path.join(tmp.dir, 'home');
    const base = await repo.commit('Base', { 'which.txt': 'main\n' });
    await repo.git('checkout', '-q', '-b', 'feature');
    const feature = await repo.commit('Feature', { 'which.txt': 'feature\n' });
    await repo.git('checkout', '-q', 'main');
    await using h = await openHome(home);
    await h.jobs.create('all', gitJobXml({ remotes: [[repo.url]], branches: ['**'], command: SHOW_ENV }));
    await h.jobs.create('pinned', gitJobXml({ remotes: [[repo.url]], branches: [base], command: `cat which.txt\n${SHOW_ENV}` }));

    const built: string[] = [];
    for (let n = 1; n <= 3; n++) {
      const b = await runOneBuild(h.jobs, home, 'all');
      assert.equal(b.result, 'SUCCESS', b.log);
      built.push((await seenEnv(b.workspace, n)).GIT_BRANCH ?? '');
    }
    // Each branch once, then (nothing new) the first again, as the DefaultBuildChooser does.
    assert.deepEqual(built.slice(0, 2).sort(), ['origin/feature', 'origin/main']);
    assert.equal(built[2], built[0]);

    const pinned = await runOneBuild(h.jobs, home, 'pinned');
    assert.equal(pinned.result, 'SUCCESS', pinned.log);
    assert.match(pinned.log, /^main$/m);
    const env = await seenEnv(pinned.workspace, 1);
    assert.equal(env.GIT_COMMIT, base);
    assert.equal(env.GIT_BRANCH, 'detached');
    assert.notEqual(feature, base);
  });

  test('CleanBeforeCheckout resets and cleans the working tree before the fetch', async () => {
    await using tmp = await tempDir();
    const repo = await TestRepo.create(path.join(tmp.dir, 'repo'));
    const home = path.join(tmp.dir, 'home');
    await repo.commit('First', { 'tracked.txt': 'as committed\n' });
    await using h = await openHome(home);
    const command = 'cat tracked.txt\ntest -e untracked.txt && echo untracked is here || echo untracked is gone\necho changed > tracked.txt\ntouch untracked.txt';
    await h.jobs.create('app', gitJobXml({ remotes: [[repo.url]], extensions: '<hudson.plugins.git.extensions.impl.CleanBeforeCheckout/>', command }));
    assert.equal((await runOneBuild(h.jobs, home, 'app')).result, 'SUCCESS');
    const two = await runOneBuild(h.jobs, home, 'app');
    assert.equal(two.result, 'SUCCESS', two.log);
    assert.match(two.log, /^Cleaning workspace\nResetting working tree\n > git reset --hard # timeout=10\n/m);
    assert.match(two.log, /^as committed$/m);
    assert.match(two.log, /^untracked is gone$/m);
  });

  test('SubmoduleOption checks out the submodules, recursively; a reference repository lends its objects', async () => {
    await using tmp = await tempDir();
    const daemon = await GitDaemon.start();
    try {
      const home = path.join(tmp.dir, 'home');
      const lib = await TestRepo.create(path.join(tmp.dir, 'lib'));
      await lib.commit('Library', { 'lib.txt': 'the library\n' });
      const libBare = await daemon.createRepository('lib');
      await lib.push(libBare.path);
      const app = await TestRepo.create(path.join(tmp.dir, 'app'));
      await app.commit('App', { 'app.txt': 'the app\n' });
      await app.git('submodule', 'add', '-q', libBare.url, 'vendor/lib');
      await app.git('commit', '-q', '-m', 'Add the library');
      const appBare = await daemon.createRepository('app');
      await app.push(appBare.path);

      await using h = await openHome(home);
      const ext = 'hudson.plugins.git.extensions.impl';
      const extensions = `
        <${ext}.SubmoduleOption><disableSubmodules>false</disableSubmodules><recursiveSubmodules>true</recursiveSubmodules><trackingSubmodules>false</trackingSubmodules><reference/><parentCredentials>false</parentCredentials><shallow>false</shallow></${ext}.SubmoduleOption>
        <${ext}.CloneOption><shallow>false</shallow><noTags>false</noTags><reference>${app.dir}</reference><depth>0</depth><honorRefspec>false</honorRefspec></${ext}.CloneOption>`;
      await h.jobs.create('app', gitJobXml({ remotes: [[appBare.url]], extensions, command: 'cat app.txt vendor/lib/lib.txt\ncat .git/objects/info/alternates' }));
      const one = await runOneBuild(h.jobs, home, 'app');
      assert.equal(one.result, 'SUCCESS', one.log);
      assert.match(one.log, new RegExp(`^Using reference repository: ${app.dir}$`, 'm'));
      assert.match(one.log, / > git submodule update --init --recursive # timeout=10/);
      assert.match(one.log, /^the library$/m);
      assert.match(one.log, new RegExp(`^${app.dir}/\\.git/objects$`, 'm'));
    } finally {
      await daemon.stop();
    }
  });
});
