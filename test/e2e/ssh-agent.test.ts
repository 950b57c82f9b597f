/**
 * An agent started over SSH, end to end: a real sshd on a loopback port, a real controller with an
 * SSH node whose key is a credential in its store, and the real `steward agent` that the
 * controller starts on the "host" through sshd. The build runs on the agent.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { jnlpSecret } from '../support/agent-process.js';
import { SshServer } from '../support/sshd-server.js';
import { STEWARD_BIN, StewardProcess, eventually, freestyleXml, tempDir } from '../support/steward-process.js';

const STORE = 'credentials/store/system/domain/_';
const run = promisify(execFile);

function xmlText(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

describe('an agent started over SSH', () => {
  let sshd: SshServer;
  let home: Awaited<ReturnType<typeof tempDir>>;
  let agentDir: Awaited<ReturnType<typeof tempDir>>;
  let s: StewardProcess;

  before(async () => {
    sshd = await SshServer.start();
    home = await tempDir();
    agentDir = await tempDir('steward-ssh-agent-');
    s = await StewardProcess.start(home.dir, ['--ssh-agent-command', `${process.execPath} ${STEWARD_BIN}`]);
  });
  after(async () => {
    await s?.stop();
    await sshd?.stop();
    await agentDir?.[Symbol.asyncDispose]();
    await home?.[Symbol.asyncDispose]();
  });

  test('runs a build on the host, with the host key checked, is started again when it dies, and its secret is never on a command line or in the log', async () => {
    const created = await s.fetch(`${STORE}/createCredentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: `<com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey>
  <scope>SYSTEM</scope><id>agent-key</id><username>${sshd.user}</username>
  <privateKeySource class="com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey$DirectEntryPrivateKeySource">
    <privateKey>${xmlText(sshd.clientKey)}</privateKey>
  </privateKeySource>
</com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey>`,
    });
    assert.equal(created.status, 200, await created.text());
    const [algorithm, key] = (await sshd.hostKey()).trim().split(/\s+/);
    const root = path.join(agentDir.dir, 'root');
    const node = await s.fetch('computer/doCreateItem', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        name: 'over-ssh',
        type: 'hudson.slaves.DumbSlave',
        json: JSON.stringify({
          name: 'over-ssh',
          numExecutors: '1',
          remoteFS: root,
          labelString: 'remote',
          mode: 'EXCLUSIVE',
          launcher: { 'stapler-class': 'hudson.plugins.sshslaves.SSHLauncher', host: sshd.host, port: sshd.port, credentialsId: 'agent-key' },
        }),
      }).toString(),
    });
    assert.ok(node.status < 400, await node.text());
    // The node as created checks known_hosts, which has no key for this server: its reason says so.
    const computer = async () => (await (await s.fetch('computer/over-ssh/api/json')).json()) as { offline: boolean; offlineCauseReason: string };
    await eventually(async () => ((await computer()).offlineCauseReason.includes('has no key for') ? true : undefined), 'the known_hosts refusal as the offline reason', 20_000);

    // Given the server's key in its configuration, as ssh-slaves' ManuallyProvidedKeyVerificationStrategy keeps it.
    const config = await (await s.fetch('computer/over-ssh/config.xml')).text();
    const withKey = config.replace(
      /<credentialsId>agent-key<\/credentialsId>/,
      `<credentialsId>agent-key</credentialsId>
    <sshHostKeyVerificationStrategy class="hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy">
      <key><algorithm>${algorithm}</algorithm><key>${key}</key></key>
    </sshHostKeyVerificationStrategy>
    <retryWaitTime>1</retryWaitTime>`,
    );
    const posted = await s.fetch('computer/over-ssh/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: withKey });
    assert.equal(posted.status, 200, await posted.text());
    await eventually(async () => ((await computer()).offline ? undefined : true), 'the SSH agent to connect', 30_000);

    await s.createJob('on-ssh', freestyleXml({ command: 'echo "running in $WORKSPACE on $NODE_NAME"', assignedNode: 'remote' }));
    const n = await s.buildNumberOf(await s.queueBuild('on-ssh'));
    const result = await s.waitForResult('on-ssh', n);
    const log = await (await s.fetch(`job/on-ssh/${n}/consoleText`)).text();
    assert.equal(result, 'SUCCESS', log);
    assert.match(log, new RegExp(`running in ${root}/workspace/on-ssh on over-ssh`));
    assert.match(log, /Building remotely on over-ssh/);

    // The agent killed on its host: the controller starts it again over SSH.
    const pids = async () => (await run('pgrep', ['-f', `^${process.execPath} ${STEWARD_BIN} agent --url http://127.0.0.1:[0-9]+/ --name over-ssh`]).catch(() => ({ stdout: '' }))).stdout.trim().split('\n').filter((p) => p !== '');
    const [first] = await pids();
    assert.ok(first !== undefined, 'the agent runs on the host');
    assert.equal((await pids()).length, 1, 'one agent on the host');
    process.kill(Number(first), 'SIGKILL');
    await eventually(async () => ((await computer()).offline ? true : undefined), 'the node to go offline');
    await eventually(async () => ((await computer()).offline ? undefined : true), 'the SSH agent to be started again', 30_000);
    assert.ok(!(await pids()).includes(first as string));

    const secret = await jnlpSecret(s, 'over-ssh');
    const controllerLog = s.lines.map((l) => JSON.stringify(l)).join('\n') + s.stderr.join('\n');
    assert.ok(!controllerLog.includes(secret), 'the secret is not in the controller log');
    assert.ok(!(await readFile(path.join(home.dir, 'nodes/over-ssh/config.xml'), 'utf8')).includes(secret));
    assert.ok(!(await run('ps', ['-eo', 'args'])).stdout.includes(secret), 'the secret is on no command line');

    // The controller stops: its SSH connection closes, and the agent on the host stops with it.
    await s.stop();
    await eventually(async () => ((await pids()).length === 0 ? true : undefined), 'the agent on the host to stop with its SSH connection');
  });
});
