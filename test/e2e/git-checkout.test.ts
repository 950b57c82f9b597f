import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { AgentProcess, stewardCli } from '../support/agent-process.js';
import { adminPassword, tempDir, useController } from '../support/steward-process.js';
import { GitDaemon } from '../support/git-daemon.js';
import { GitHttpServer } from '../support/git-http-server.js';
import { TestRepo, gitJobXml } from '../support/git-repos.js';

async function buildAndLog(s: ReturnType<typeof useController>['s'], job: string): Promise<{ result: string; log: string; n: number }> {
  const n = await s.buildNumberOf(await s.queueBuild(job));
  const result = await s.waitForResult(job, n);
  const log = await (await s.fetch(`job/${job}/${n}/consoleText`)).text();
  return { result, log, n };
}

interface BuildJson {
  actions: { _class?: string; lastBuiltRevision?: { SHA1: string; branch: { SHA1: string; name: string }[] }; remoteUrls?: string[]; buildsByBranchName?: Record<string, { buildNumber: number }> }[];
  changeSet: { _class: string; kind: string | null; items: { commitId: string; msg: string; author: { fullName: string }; authorEmail: string; affectedPaths: string[]; timestamp: number }[] };
}

describe('a job checking out from a git daemon with the Git plugin', () => {
  const ctl = useController();
  let daemon: GitDaemon;
  let work: TestRepo;
  let url: string;

  before(async () => {
    daemon = await GitDaemon.start();
    const bare = await daemon.createRepository('app');
    url = bare.url;
    work = await TestRepo.create(path.join(daemon.dir, 'work'));
    await work.commit('Initial import', { 'README.md': 'hello from git\n' });
    await work.push(bare.path);
  });
  after(async () => {
    await daemon.stop();
  });

  test('the step sees the checked-out files and GIT_COMMIT; the next build after a new commit has GIT_PREVIOUS_COMMIT and its change set', async () => {
    const command = 'cat README.md\necho "commit=$GIT_COMMIT previous=${GIT_PREVIOUS_COMMIT:-none} branch=$GIT_BRANCH url=$GIT_URL"';
    await ctl.s.createJob('app', gitJobXml({ remotes: [[url]], command }));
    const job = await ctl.s.json<{ scm: { _class: string } }>('job/app/api/json?tree=scm[_class]');
    assert.equal(job.scm._class, 'hudson.plugins.git.GitSCM');

    const first = await work.head();
    const one = await buildAndLog(ctl.s, 'app');
    assert.equal(one.result, 'SUCCESS', one.log);
    assert.match(one.log, /^hello from git$/m);
    assert.match(one.log, new RegExp(`^commit=${first} previous=none branch=origin/main url=${url.replace(/[.]/g, '\\.')}$`, 'm'));
    const b1 = await ctl.s.json<BuildJson>('job/app/1/api/json');
    assert.deepEqual(b1.changeSet, { _class: 'hudson.plugins.git.GitChangeSetList', items: [], kind: 'git' });

    const second = await work.commit('Say more', { 'README.md': 'hello again\n' });
    await work.push(path.join(daemon.dir, 'app.git'));
    const two = await buildAndLog(ctl.s, 'app');
    assert.equal(two.result, 'SUCCESS', two.log);
    assert.match(two.log, /^hello again$/m);
    assert.match(two.log, new RegExp(`^commit=${second} previous=${first} branch=origin/main `, 'm'));
    const b2 = await ctl.s.json<BuildJson>('job/app/2/api/json');
    assert.equal(b2.changeSet._class, 'hudson.plugins.git.GitChangeSetList');
    assert.equal(b2.changeSet.kind, 'git');
    assert.deepEqual(
      b2.changeSet.items.map((i) => [i.commitId, i.msg, i.author.fullName, i.authorEmail, i.affectedPaths]),
      [[second, 'Say more', 'Carl Committer', 'carl@example.com', ['README.md']]],
    );
    const buildData = b2.actions.find((a) => a._class === 'hudson.plugins.git.util.BuildData');
    assert.deepEqual(buildData?.lastBuiltRevision, { SHA1: second, branch: [{ SHA1: second, name: 'origin/main' }] });
    assert.deepEqual(buildData?.remoteUrls, [url]);
    assert.equal(buildData?.buildsByBranchName?.['origin/main']?.buildNumber, 2);
    const tree = await ctl.s.json<{ changeSet: { items: { _class: string; commitId: string }[] } }>('job/app/2/api/json?tree=changeSet[items[commitId]]');
    assert.deepEqual(tree.changeSet.items, [{ _class: 'hudson.plugins.git.GitChangeSet', commitId: second }]);
  });

  test("python-jenkins' get_build_info gives the change set and the built revision", {
    skip: spawnSync('/usr/bin/python3', ['-c', 'import jenkins'], { stdio: 'ignore' }).status === 0 ? false : 'needs /usr/bin/python3 with python3-jenkins (apt-get install python3-jenkins)',
  }, async () => {
    const script = [
      'import json, sys, jenkins',
      'server = jenkins.Jenkins(sys.argv[1], username="admin", password=sys.argv[2])',
      'info = server.get_build_info("app", 2)',
      'data = [a for a in info["actions"] if a.get("_class") == "hudson.plugins.git.util.BuildData"][0]',
      'print(json.dumps({"kind": info["changeSet"]["kind"], "commits": [i["commitId"] for i in info["changeSet"]["items"]], "built": data["lastBuiltRevision"]["SHA1"]}))',
    ].join('\n');
    const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-c', script, ctl.s.url, await adminPassword(ctl.home)], { timeout: 60_000 });
    const head = await work.head();
    assert.deepEqual(JSON.parse(stdout), { kind: 'git', commits: [head], built: head });
  });

  test('credentials of the store reach git over HTTP for builds run as the build user, never in the log or on a command line', async () => {
    const password = 'http-Pa55word-for-git';
    const created = await ctl.s.fetch('credentials/store/system/domain/_/createCredentials', {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: `<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
  <scope>GLOBAL</scope>
  <id>git-http</id>
  <description>reads the repositories</description>
  <username>reader</username>
  <password>${password}</password>
</com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>`,
    });
    assert.equal(created.status, 200, await created.text());
    const server = await GitHttpServer.start(daemon.dir, 'reader', password);
    try {
      await ctl.s.createJob('private', gitJobXml({ remotes: [[`${server.url}app.git`, 'origin', 'git-http']], command: 'cat README.md\nid -un' }));
      const { result, log } = await buildAndLog(ctl.s, 'private');
      assert.equal(result, 'SUCCESS', log);
      assert.match(log, /^using GIT_ASKPASS to set credentials git-http$/m);
      assert.match(log, /^hello (from git|again)$/m);
      assert.ok(!log.includes(password), log);
      // A controller run as root runs its builds, the checkout included, as the build user.
      if (process.getuid?.() === 0) assert.match(log, /^steward-build$/m);
      assert.ok(server.requests.some((r) => r.authorized));
      assert.deepEqual(server.commandLinesWithPassword, []);
    } finally {
      await server.close();
    }
  });

  test('a build of a branch the repository does not have fails, saying why', async () => {
    await ctl.s.createJob('wrong-branch', gitJobXml({ remotes: [[url]], branches: ['*/release-9'], command: 'echo the builder ran' }));
    const { result, log } = await buildAndLog(ctl.s, 'wrong-branch');
    assert.equal(result, 'FAILURE');
    assert.match(log, /^ERROR: Couldn't find any revision to build\. Verify the repository and branch configuration for this job\.$/m);
    assert.doesNotMatch(log, /the builder ran/);
  });
});

describe('a job checking out with the Git plugin on an agent', () => {
  const ctl = useController();
  let daemon: GitDaemon;
  let agent: AgentProcess | undefined;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let url: string;
  let head: string;

  before(async () => {
    daemon = await GitDaemon.start();
    const bare = await daemon.createRepository('lib');
    url = bare.url;
    const repo = await TestRepo.create(path.join(daemon.dir, 'lib-work'));
    head = await repo.commit('Library', { 'lib.txt': 'from the agent\n' });
    await repo.push(bare.path);
    work = await tempDir('steward-agent-');
    const cli = async (args: string[]) => {
      const r = await stewardCli(ctl.s, args);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };
    await cli(['node', 'create', 'linux-1', '--labels', 'linux', '--remote-fs', work.dir]);
    const secret = await cli(['node', 'secret', 'linux-1']);
    agent = AgentProcess.start(['--url', ctl.s.url, '--name', 'linux-1', '--secret', secret, '--work-dir', work.dir]);
    await agent.logged(/connected to the controller as node linux-1/);
  });
  after(async () => {
    await agent?.stop();
    await daemon.stop();
    await work[Symbol.asyncDispose]();
  });

  test('the checkout runs on the agent, in its workspace', async () => {
    await ctl.s.createJob('lib', gitJobXml({ remotes: [[url]], command: 'cat lib.txt\necho "commit=$GIT_COMMIT on $NODE_NAME in $PWD"', assignedNode: 'linux' }));
    const { result, log } = await buildAndLog(ctl.s, 'lib');
    assert.equal(result, 'SUCCESS', log);
    assert.match(log, /^from the agent$/m);
    assert.match(log, new RegExp(`^commit=${head} on linux-1 in ${work.dir}/workspace/lib$`, 'm'));
  });
});
