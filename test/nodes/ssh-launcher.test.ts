import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { knownHostsName, knownKeys } from '../../src/nodes/ssh/host-key.js';
import { SshAgentLauncher, type SshLauncherConfig, type SshLogin } from '../../src/nodes/ssh/ssh-agent-launcher.js';
import { SshServer } from '../support/sshd-server.js';
import { tempDir } from '../support/steward-process.js';

const run = promisify(execFile);

describe('known_hosts', () => {
  test('a host on another port is [host]:port, and hashed, negated and revoked entries are read as ssh does', () => {
    assert.equal(knownHostsName('build-7', 22), 'build-7');
    assert.equal(knownHostsName('10.0.0.7', 2222), '[10.0.0.7]:2222');
    const text = [
      '# comment',
      'build-*,!build-9 ssh-ed25519 WILD',
      '@revoked build-8 ssh-ed25519 WILD',
      '@cert-authority * ssh-ed25519 CA',
    ].join('\n');
    assert.deepEqual(knownKeys(text, 'build-7'), { keys: ['WILD'], revoked: [] });
    assert.deepEqual(knownKeys(text, 'build-8'), { keys: ['WILD'], revoked: ['WILD'] });
    assert.deepEqual(knownKeys(text, 'build-9').keys, []);
  });
});

describe('the SSH launcher against a real sshd', () => {
  let sshd: SshServer;
  before(async () => {
    sshd = await SshServer.start();
  });
  after(async () => {
    await sshd.stop();
  });

  /** Runs one attempt of the launcher; the first reason it gives for being down. */
  async function firstDown(config: Partial<SshLauncherConfig>, login: SshLogin | undefined, agentCommand = 'true'): Promise<string> {
    await using dir = await tempDir();
    let resolve!: (reason: string) => void;
    const down = new Promise<string>((r) => (resolve = r));
    const launcher = new SshAgentLauncher({
      node: 'ssh-agent',
      config: { host: sshd.host, port: sshd.port, credentialsId: 'key', hostKey: { kind: 'none' }, prefix: '', suffix: '', retryWaitMs: 60_000, launchTimeoutMs: 10_000, ...config },
      remoteFS: path.join(dir.dir, 'agent'),
      agentCommand,
      login: async () => login,
      secret: () => 'not-a-real-secret',
      controllerPort: () => 1,
      logger: pino({ level: 'silent' }),
      onDown: resolve,
    });
    launcher.start();
    try {
      return await down;
    } finally {
      await launcher.close();
    }
  }

  const key = (): SshLogin => ({ kind: 'key', username: sshd.user, privateKey: sshd.clientKey, passphrase: '' });

  test('with the host key given in the configuration it logs in, forwards a port and runs the agent command', async () => {
    const [algorithm, b64] = (await sshd.hostKey()).trim().split(/\s+/);
    assert.ok(algorithm !== undefined && b64 !== undefined);
    // `true` is no agent: it exits at once, which shows the command ran after login and forwarding.
    assert.equal(await firstDown({ hostKey: { kind: 'provided', algorithm, key: b64 } }, key()), 'the agent exited (status 0)');
  });

  test('another host key than the configured one is refused before logging in, naming the strategy', async () => {
    const reason = await firstDown({ hostKey: { kind: 'provided', algorithm: 'ssh-ed25519', key: 'AAAAC3NzaC1lZDI1NTE5AAAAIBq0mnsX8bTu0A2K9y9KfH0vYt4i8mJtBXnVfQf3X0yD' } }, key());
    assert.match(reason, /^the SSH host key of 127\.0\.0\.1:\d+ is not the one expected \(the ssh-ed25519 key in the node's configuration\)$/);
  });

  test('a known_hosts file without the host says how to add it; with it, the login goes on', async () => {
    await using dir = await tempDir();
    const file = path.join(dir.dir, 'known_hosts');
    await writeFile(file, '');
    assert.match(await firstDown({ hostKey: { kind: 'known-hosts', file } }, key()), /has no key for \[127\.0\.0\.1\]:\d+: add it \(ssh-keyscan -p \d+ 127\.0\.0\.1\)/);
    // Hashed by ssh-keygen itself, as `HashKnownHosts yes` writes it.
    await writeFile(file, `[${sshd.host}]:${sshd.port} ${(await sshd.hostKey()).trim()}\n`);
    await run('ssh-keygen', ['-q', '-H', '-f', file]);
    assert.match(await readFile(file, 'utf8'), /^\|1\|/);
    assert.equal(await firstDown({ hostKey: { kind: 'known-hosts', file } }, key()), 'the agent exited (status 0)');
  });

  test('a missing credential and a key the server does not accept are reasons, not crashes', async () => {
    assert.equal(await firstDown({}, undefined), "no SSH credentials with the id 'key'");
    await using dir = await tempDir();
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir.dir, 'other')]);
    const other = await readFile(path.join(dir.dir, 'other'), 'utf8');
    assert.match(await firstDown({}, { kind: 'key', username: sshd.user, privateKey: other, passphrase: '' }), /^SSH: All configured authentication methods failed/);
    assert.match(await firstDown({}, { kind: 'key', username: sshd.user, privateKey: 'not a key', passphrase: '' }), /^the SSH credentials 'key' cannot be used: /);
  });
});
