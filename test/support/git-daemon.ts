/**
 * A real `git daemon` for tests (TEST-SERVERS.md), serving the bare repositories of its temporary
 * directory on a free loopback port over git://, read-only as a CI server reads them.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ServerProcess, serverDir, type ServerCommand } from './server-process.js';
import { freePort, portOpen } from './tcp-proxy.js';

const run = promisify(execFile);

export class GitDaemon extends ServerProcess {
  readonly port: number;

  private constructor(dir: string, port: number) {
    super(dir, { name: 'git daemon', readyTimeoutMs: 10_000 });
    this.port = port;
  }

  static async start(): Promise<GitDaemon> {
    const daemon = new GitDaemon(await serverDir('steward-git-daemon-'), await freePort());
    await daemon.open();
    return daemon;
  }

  /** Makes the bare repository NAME.git; its path (to push to) and its git:// URL. */
  async createRepository(name: string): Promise<{ path: string; url: string }> {
    const dir = path.join(this.dir, `${name}.git`);
    await run('git', ['init', '-q', '--bare', '-b', 'main', dir]);
    return { path: dir, url: `git://127.0.0.1:${this.port}/${name}.git` };
  }

  protected override command(): ServerCommand {
    return {
      file: 'git',
      args: ['daemon', '--reuseaddr', `--base-path=${this.dir}`, '--export-all', '--listen=127.0.0.1', `--port=${this.port}`, this.dir],
      debianPackage: 'git',
    };
  }

  protected override isReady(): Promise<boolean> {
    return portOpen(this.port);
  }
}
