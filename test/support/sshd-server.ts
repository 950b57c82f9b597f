/**
 * A real OpenSSH server for tests (TEST-SERVERS.md): `/usr/sbin/sshd -D` on a free loopback port
 * with its own host key and config in a temporary directory, accepting one client key (made here,
 * ed25519 without a passphrase) for the user running the tests.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ServerProcess, serverDir, type ServerCommand } from './server-process.js';
import { freePort, portOpen } from './tcp-proxy.js';

const run = promisify(execFile);

export class SshServer extends ServerProcess {
  readonly port: number;
  readonly host = '127.0.0.1';
  /** The user a client logs in as: the one running the tests. */
  readonly user = os.userInfo().username;
  /** The client's private key (OpenSSH format) that the server accepts. */
  clientKey = '';

  private constructor(dir: string, port: number) {
    super(dir, { name: 'sshd', readyTimeoutMs: 10_000 });
    this.port = port;
  }

  static async start(): Promise<SshServer> {
    const server = new SshServer(await serverDir('steward-sshd-'), await freePort());
    await server.open();
    return server;
  }

  /** The server's host key line, for a known_hosts check. */
  hostKey(): Promise<string> {
    return readFile(path.join(this.dir, 'host.pub'), 'utf8');
  }

  protected override async prepare(): Promise<void> {
    // sshd refuses to start without its privilege separation folder.
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(this.dir, 'host')]);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(this.dir, 'client')]);
    this.clientKey = await readFile(path.join(this.dir, 'client'), 'utf8');
    await writeFile(path.join(this.dir, 'authorized_keys'), await readFile(path.join(this.dir, 'client.pub')), { mode: 0o600 });
    await writeFile(
      path.join(this.dir, 'sshd_config'),
      [
        `Port ${this.port}`,
        `ListenAddress ${this.host}`,
        `HostKey ${path.join(this.dir, 'host')}`,
        `AuthorizedKeysFile ${path.join(this.dir, 'authorized_keys')}`,
        `PidFile ${path.join(this.dir, 'pid')}`,
        'UsePAM no',
        'StrictModes no',
        'PasswordAuthentication no',
        'PermitRootLogin prohibit-password',
        'AllowTcpForwarding yes',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
  }

  protected override command(): ServerCommand {
    return { file: '/usr/sbin/sshd', args: ['-D', '-e', '-f', path.join(this.dir, 'sshd_config')], debianPackage: 'openssh-server' };
  }

  protected override isReady(): Promise<boolean> {
    return portOpen(this.port);
  }
}
