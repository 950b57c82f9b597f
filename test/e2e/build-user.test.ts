import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StewardProcess, freestyleXml, tempDir, useController } from '../support/steward-process.js';

const AS_ROOT = process.getuid?.() === 0;
const SECRET_TEXT = 'st-build-user-0123456789';

async function buildAndLog(s: StewardProcess, job: string): Promise<{ result: string; log: string }> {
  const n = await s.buildNumberOf(await s.queueBuild(job));
  const result = await s.waitForResult(job, n);
  return { result, log: await (await s.fetch(`job/${job}/${n}/consoleText`)).text() };
}

type Monitors = { administrativeMonitors: { id: string; message: string }[] };

/** The warning the controller logged at start that builds can read its secrets, if any. */
function exposedWarning(s: StewardProcess): Record<string, unknown> | undefined {
  return s.lines.find((l) => l.level === 40 && typeof l.msg === 'string' && l.msg.includes("can read this controller's secrets"));
}

const PROBE = [
  'id -un',
  'stat -c "workspace owner %U" "$WORKSPACE"',
  'echo "home $HOME"',
  'cat "$JENKINS_HOME/secrets/steward.key" || echo "key: refused"',
  'cat "$JENKINS_HOME/credentials.xml" || echo "credentials: refused"',
  'ls "$JENKINS_HOME/users" || echo "users: refused"',
  'touch "$JENKINS_HOME/jobs/other/planted" || echo "other job: refused"',
  'touch "$WORKSPACE/mine" && echo "workspace: written"',
].join('\n');

describe('builds on the built-in node and the controller\'s secrets', () => {
  const ctl = useController();

  test(
    AS_ROOT
      ? 'a build runs as the build user in a workspace of its own, and cannot read the keys, credentials or users, nor write into another job\'s folder'
      : 'a controller that is not root warns at start and in /manage that builds can read its secrets',
    async () => {
      const s = ctl.s;
      const monitors = await s.json<Monitors>('manage/api/json');
      if (!AS_ROOT) {
        const user = os.userInfo().username;
        assert.match(String(exposedWarning(s)?.msg), new RegExp(`Builds on the built-in node run as ${user} .*run builds on agents`));
        assert.deepEqual(monitors.administrativeMonitors.map((m) => m.id), ['builtInNodeBuildUser']);
        return;
      }
      assert.equal(exposedWarning(s), undefined);
      assert.deepEqual(monitors.administrativeMonitors, []);

      const res = await s.fetch('credentials/store/system/domain/_/createCredentials', {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><id>probe</id><secret>${SECRET_TEXT}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`,
      });
      assert.equal(res.status, 200);
      await s.createJob('other', freestyleXml({ command: 'true' }));
      await s.createJob('probe', freestyleXml({ command: PROBE }));

      const { result, log } = await buildAndLog(s, 'probe');
      assert.equal(result, 'SUCCESS', log);
      const lines = log.split('\n');
      assert.ok(lines.includes('steward-build'), log);
      assert.ok(lines.includes('workspace owner steward-build'), log);
      assert.ok(lines.includes(`home ${path.join(ctl.home, 'build-home')}`), log);
      assert.ok(lines.includes('workspace: written'), log);
      assert.match(log, /secrets\/steward\.key: Permission denied/);
      assert.match(log, /credentials\.xml: Permission denied/);
      assert.match(log, /users'?: Permission denied/);
      assert.match(log, /jobs\/other\/planted'?: Permission denied/);
      for (const refused of ['key: refused', 'credentials: refused', 'users: refused', 'other job: refused']) assert.ok(lines.includes(refused), refused);
      const key = readFileSync(path.join(ctl.home, 'secrets/steward.key'), 'utf8').trim();
      assert.equal(log.includes(key), false, 'the key is not in the log');
      assert.equal(log.includes('StringCredentialsImpl'), false, 'credentials.xml is not in the log');
      assert.equal(statSync(path.join(ctl.home, 'jobs/other')).uid, 0);
      assert.equal((statSync(path.join(ctl.home, 'credentials.xml')).mode & 0o777), 0o600);
      assert.equal((statSync(path.join(ctl.home, 'users')).mode & 0o777), 0o700);
    },
  );
});

describe('naming root as the build user', () => {
  if (!AS_ROOT) {
    test('a controller that is not root refuses to start with another build user than its own', async () => {
      await using home = await tempDir();
      const s = StewardProcess.spawn(home.dir, ['--build-user', 'root']);
      assert.equal(await s.exited, 1);
      assert.match(s.stderr.join('\n'), /--build-user root: the controller runs as .* and cannot run builds as another user/);
    });
    return;
  }
  const ctl = useController(['--build-user', 'root']);

  test('--build-user root is warned about at start and in /manage, which only administrators see', async () => {
    const s = ctl.s;
    assert.match(String(exposedWarning(s)?.msg), /^Builds on the built-in node run as root \(--build-user names root\) and can read this controller's secrets/);
    const monitors = await s.json<Monitors>('manage/api/json');
    assert.deepEqual(monitors.administrativeMonitors.map((m) => m.id), ['builtInNodeBuildUser']);
    const page = await (await s.fetch('manage')).text();
    assert.match(page, /<li class="warning" id="builtInNodeBuildUser">Builds on the built-in node run as root/);
    assert.equal((await s.fetchAnonymous('manage/api/json')).status, 401);

    await s.createJob('whoami', freestyleXml({ command: 'id -un' }));
    const { log } = await buildAndLog(s, 'whoami');
    assert.ok(log.split('\n').includes('root'), log);
  });
});
