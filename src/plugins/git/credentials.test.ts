import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, appendFile, chmod, mkdir, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { ExtensionRegistry } from '../../extensions/index.js';
import { Jobs } from '../../jobs/index.js';
import { buildSecrets } from '../../security/credentials/index.js';
import { credentialsHome, fixtureValues } from '../../../test/support/credentials-home.js';
import { GitHttpServer } from '../../../test/support/git-http-server.js';
import { TestRepo, gitJobXml } from '../../../test/support/git-repos.js';
import { SshServer } from '../../../test/support/sshd-server.js';
import { runOneBuild } from '../../../test/jobs/home.js';
import { registerBuiltInPlugins } from '../index.js';

const run = promisify(execFile);
const values = await fixtureValues();

/** A home from Jenkins with the credentials of the fixtures (deploy: username/password; api-token: secret text). */
async function buildHome() {
  const home = await credentialsHome({ jenkins: true });
  const extensions = new ExtensionRegistry();
  registerBuiltInPlugins(extensions);
  const jobs = new Jobs({ store: home.store, extensions, logger: pino({ level: 'silent' }), secrets: buildSecrets(home.keys, home.credentials) });
  return Object.assign(home, { jobs });
}

/** The key and askpass files Steward's temporary folders hold now. */
async function gitTempFiles(): Promise<string[]> {
  const found: string[] = [];
  for (const dir of await readdir(os.tmpdir())) {
    if (!dir.startsWith('steward-')) continue;
    for (const name of ['ssh-key', 'ssh-askpass.sh', 'askpass.sh']) {
      const file = path.join(os.tmpdir(), dir, 'f', name);
      if (await access(file).then(() => true, () => false)) found.push(file);
    }
  }
  return found;
}

/** A bare repository `NAME.git` in `root` holding one commit; its head. */
async function bareRepository(root: string, name: string): Promise<{ path: string; head: string }> {
  const work = await TestRepo.create(path.join(root, `${name}-work`));
  const head = await work.commit('Initial', { 'README.md': 'secret sauce\n' });
  const bare = path.join(root, `${name}.git`);
  await run('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  await work.push(bare);
  return { path: bare, head };
}

describe('git credentials', () => {
  test('username and password reach git over HTTP through GIT_ASKPASS, never on a command line or in the log', async () => {
    await using home = await buildHome();
    const repos = path.join(home.dir, 'served');
    const { head } = await bareRepository(repos, 'app');
    const server = await GitHttpServer.start(repos, values.deploy.username, values.deploy.password);
    try {
      await home.jobs.create('app', gitJobXml({ remotes: [[`${server.url}app.git`, 'origin', 'deploy']], command: 'cat README.md\necho "commit=$GIT_COMMIT"' }));
      await home.jobs.create('anonymous', gitJobXml({ remotes: [[`${server.url}app.git`]], command: 'echo the builder ran' }));

      const { result, log } = await runOneBuild(home.jobs, home.dir, 'app');
      assert.equal(result, 'SUCCESS', log);
      assert.match(log, /^using GIT_ASKPASS to set credentials deploy$/m);
      assert.match(log, /^secret sauce$/m);
      assert.match(log, new RegExp(`^commit=${head}$`, 'm'));
      assert.ok(!log.includes(values.deploy.password), 'the log does not show the password');
      assert.ok(server.requests.some((r) => r.authorized), 'git sent the credentials');
      assert.deepEqual(server.commandLinesWithPassword, [], 'no process had the password in its arguments');

      const denied = await runOneBuild(home.jobs, home.dir, 'anonymous');
      assert.equal(denied.result, 'FAILURE');
      assert.match(denied.log, /^ERROR: Error fetching remote repo 'origin' returned status code 128$/m);
      assert.doesNotMatch(denied.log, /the builder ran/);
    } finally {
      await server.close();
    }
  });

  test('a password written into the repository URL is masked in the log and kept out of build.xml and GIT_URL', async () => {
    await using home = await buildHome();
    const repos = path.join(home.dir, 'served');
    await bareRepository(repos, 'app');
    const password = 'url-pa55-Secret';
    const server = await GitHttpServer.start(repos, 'builder', password);
    try {
      const url = `${server.url.replace('http://', `http://builder:${password}@`)}app.git`;
      await home.jobs.create('app', gitJobXml({ remotes: [[url]], command: 'echo "url=$GIT_URL"' }));
      const { result, log } = await runOneBuild(home.jobs, home.dir, 'app');
      assert.equal(result, 'SUCCESS', log);
      assert.ok(!log.includes(password), log);
      assert.match(log, /^ > git fetch --tags --force -- http:\/\/builder:\*\*\*\*@127\.0\.0\.1:\d+\/app\.git /m);
      assert.match(log, /^url=http:\/\/builder@127\.0\.0\.1:\d+\/app\.git$/m);
      const record = await readFile(path.join(home.dir, 'jobs/app/builds/1/build.xml'), 'utf8');
      assert.ok(!record.includes(password), 'build.xml does not keep the password');
    } finally {
      await server.close();
    }
  });

  test("an SSH key with a passphrase reaches git through GIT_SSH_COMMAND and a key file removed after the checkout; the server's host key is remembered in the build's HOME", async () => {
    await using home = await buildHome();
    const sshd = await SshServer.start();
    try {
      // A key with a passphrase, stored as SSH Username with private key, that the server accepts.
      const keyFile = path.join(sshd.dir, 'repo-key');
      const passphrase = 'open sesame 42';
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', keyFile]);
      await appendFile(path.join(sshd.dir, 'authorized_keys'), await readFile(`${keyFile}.pub`));
      await chmod(path.join(sshd.dir, 'authorized_keys'), 0o600);
      const key = { privateKey: await readFile(keyFile, 'utf8'), passphrase };
      await home.credentials.create({ kind: 'sshPrivateKey', id: 'repo-key', username: 'git', privateKey: key.privateKey, passphrase });

      const repos = path.join(home.dir, 'served');
      const { path: bare, head } = await bareRepository(repos, 'app');
      const url = `ssh://${sshd.user}@${sshd.host}:${sshd.port}${bare}`;
      const command = 'cat README.md\necho "commit=$GIT_COMMIT"';
      await home.jobs.create('app', gitJobXml({ remotes: [[url, 'origin', 'repo-key']], command }));
      // The build's HOME: where ssh remembers the server's host key.
      const buildHomeDir = path.join(home.dir, 'build-home');
      await mkdir(path.join(buildHomeDir, '.ssh'), { recursive: true, mode: 0o700 });

      const before = await gitTempFiles();
      const { result, log } = await runOneBuild(home.jobs, home.dir, 'app', [], { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: buildHomeDir });
      assert.equal(result, 'SUCCESS', log);
      assert.deepEqual((await gitTempFiles()).filter((f) => !before.includes(f)), [], 'the key file and the askpass script are removed after the checkout');
      assert.match(log, /^using GIT_SSH to set credentials repo-key$/m);
      assert.match(log, /^secret sauce$/m);
      assert.match(log, new RegExp(`^commit=${head}$`, 'm'));
      assert.ok(!log.includes(key.passphrase), 'the log does not show the passphrase');
      assert.ok(!log.includes(key.privateKey.split('\n')[1] ?? '-'), 'nor the key');
      const knownHosts = await readFile(path.join(buildHomeDir, '.ssh', 'known_hosts'), 'utf8');
      const hostKey = (await sshd.hostKey()).split(' ').slice(0, 2).join(' ');
      assert.ok(knownHosts.includes(hostKey), "the server's key is remembered in the build's HOME");
    } finally {
      await sshd.stop();
    }
  });

  test('credentials that are not for git fail the checkout naming the id; credentials that do not exist are warned about', async () => {
    await using home = await buildHome();
    const repo = await TestRepo.create(path.join(home.dir, 'repo'));
    await repo.commit('First', { 'a.txt': 'a\n' });
    await home.jobs.create('token', gitJobXml({ remotes: [[repo.url, 'origin', 'api-token']], command: 'echo the builder ran' }));
    await home.jobs.create('missing', gitJobXml({ remotes: [[repo.url, 'origin', 'nope']], command: 'echo the builder ran' }));

    const token = await runOneBuild(home.jobs, home.dir, 'token');
    assert.equal(token.result, 'FAILURE');
    assert.match(token.log, /^ERROR: credentials 'api-token' are of type 'Secret text' where 'Username with password' or 'SSH Username with private key' was expected$/m);
    assert.doesNotMatch(token.log, /the builder ran/);

    const missing = await runOneBuild(home.jobs, home.dir, 'missing');
    assert.equal(missing.result, 'SUCCESS', missing.log);
    assert.match(missing.log, /^WARNING: credentials 'nope' were not found; fetching without credentials$/m);
  });
});
