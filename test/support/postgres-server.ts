/**
 * A real PostgreSQL server for tests: its own cluster (initdb) in a temporary directory, on a free
 * loopback port, trust authentication for the superuser `steward`, fsync off.
 *
 * initdb and postgres refuse to run as root, so when the tests run as root both run as the
 * `postgres` system user (Debian's package creates it), in a directory that user owns.
 * `shutdown()` and `restart()` keep the data directory and the port, for tests of a lock service
 * that goes away and comes back; `stop()` also deletes the directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './tcp-proxy.js';

const SUPERUSER = 'steward';

/** The newest installed PostgreSQL's bin directory (Debian: /usr/lib/postgresql/<major>/bin). */
function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d) && existsSync(path.join(root, d, 'bin', 'postgres'))) : [];
  majors.sort((a, b) => Number(b) - Number(a));
  if (majors[0] === undefined) throw new Error(`no PostgreSQL under ${root}: apt-get install -y postgresql`);
  return path.join(root, majors[0], 'bin');
}

/** uid and gid of the `postgres` user when we are root (initdb refuses root), else undefined. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('running as root and there is no "postgres" user to run PostgreSQL as');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Runs a command to its end; rejects with its output when it fails. */
function run(cmd: string, args: string[], user: { uid: number; gid: number } | undefined, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(cmd)} exited with ${code}: ${out}`))));
  });
}

function exitCode(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
}

export class PostgresServer {
  readonly port: number;
  readonly dir: string;
  readonly #bin: string;
  readonly #user: { uid: number; gid: number } | undefined;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  /** The server's last output lines, for error messages. */
  readonly #log: string[] = [];

  private constructor(dir: string, port: number, bin: string, user: { uid: number; gid: number } | undefined) {
    this.dir = dir;
    this.port = port;
    this.#bin = bin;
    this.#user = user;
  }

  /** initdb (about 1 s) and start (about 0.2 s). */
  static async start(): Promise<PostgresServer> {
    const bin = findBinDir();
    const user = runAs();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'steward-pg-'));
    try {
      if (user !== undefined) await chown(dir, user.uid, user.gid);
      await run(
        path.join(bin, 'initdb'),
        ['-D', path.join(dir, 'data'), '-U', SUPERUSER, '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C'],
        user,
        dir,
      );
      const server = new PostgresServer(dir, await freePort(), bin, user);
      await server.restart();
      return server;
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  get target(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  /** A connection URL for the superuser (pg's form; add `?table=` for a lease URL). */
  url(port = this.port): string {
    return `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts the server (again) on the same port and data directory; resolves when it accepts queries. */
  async restart(timeoutMs = 20_000): Promise<void> {
    if (this.#child !== undefined) await this.shutdown();
    const child = spawn(
      path.join(this.#bin, 'postgres'),
      ['-D', path.join(this.dir, 'data'), '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'], ...(this.#user ?? {}) },
    );
    this.#child = child;
    let failed = false;
    this.#exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (err) => {
        failed = true;
        this.#log.push(`cannot run postgres: ${err.message}`);
        resolve();
      });
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.#log.push(...d.toString().trimEnd().split('\n'));
      this.#log.splice(0, Math.max(0, this.#log.length - 50));
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (failed || child.exitCode !== null || child.signalCode !== null) {
        this.#child = undefined;
        throw new Error(`postgres exited while starting: ${this.#log.join('\n')}`);
      }
      const code = await exitCode(path.join(this.#bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(this.port), '-U', SUPERUSER, '-d', 'postgres', '-t', '1']);
      if (code === 0) return;
      if (Date.now() > deadline) {
        await this.shutdown();
        throw new Error(`postgres is not ready after ${timeoutMs} ms: ${this.#log.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Fast shutdown (SIGINT: clients are disconnected, the data is kept); resolves once it exited. */
  async shutdown(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    // A fast shutdown takes well under a second; should it hang, an immediate one (SIGQUIT).
    const slow = setTimeout(() => child.kill('SIGQUIT'), 10_000);
    try {
      await this.#exited;
    } finally {
      clearTimeout(slow);
    }
    this.#child = undefined;
  }

  /** Shuts the server down and deletes its directory. */
  async stop(): Promise<void> {
    await this.shutdown();
    await rm(this.dir, { recursive: true, force: true });
  }
}
