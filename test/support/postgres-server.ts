/**
 * A real PostgreSQL server for tests: its own cluster (initdb) in a temporary directory, on a free
 * loopback port, trust authentication for the superuser `steward`, fsync off.
 *
 * initdb and postgres refuse to run as root, so when the tests run as root both run as the
 * `postgres` system user (Debian's package creates it), in a directory that user owns.
 * `shutdown()` and `restart()` keep the data directory and the port, for tests of a lock service
 * that goes away and comes back; `stop()` also deletes the directory.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown } from 'node:fs/promises';
import path from 'node:path';
import { ServerProcess, serverDir, type ServerCommand } from './server-process.js';
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

export class PostgresServer extends ServerProcess {
  readonly port: number;
  readonly #bin: string;
  readonly #user: { uid: number; gid: number } | undefined;

  private constructor(dir: string, port: number, bin: string, user: { uid: number; gid: number } | undefined) {
    // A fast shutdown (SIGINT: clients are disconnected, the data is kept) takes well under a
    // second; should it hang, an immediate one (SIGQUIT).
    super(dir, { name: 'postgres', readyTimeoutMs: 20_000, stop: { signal: 'SIGINT', force: 'SIGQUIT', forceAfterMs: 10_000 } });
    this.port = port;
    this.#bin = bin;
    this.#user = user;
  }

  /** initdb (about 1 s) and start (about 0.2 s). */
  static async start(): Promise<PostgresServer> {
    const bin = findBinDir();
    const user = runAs();
    const server = new PostgresServer(await serverDir('steward-pg-'), await freePort(), bin, user);
    await server.open();
    return server;
  }

  get target(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  /** A connection URL for the superuser (pg's form; add `?table=` for a lease URL). */
  url(port = this.port): string {
    return `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  }

  /**
   * Starts the server (again) on the same port and data directory; resolves when it accepts
   * queries, or rejects after `timeoutMs` (20 s unless given).
   */
  override async restart(timeoutMs?: number): Promise<void> {
    await this.kill();
    await this.launch(timeoutMs);
  }

  /** Fast shutdown; resolves once it exited. The data directory stays until stop(). */
  shutdown(): Promise<void> {
    return this.kill();
  }

  protected override async prepare(): Promise<void> {
    if (this.#user !== undefined) await chown(this.dir, this.#user.uid, this.#user.gid);
    await run(
      path.join(this.#bin, 'initdb'),
      ['-D', path.join(this.dir, 'data'), '-U', SUPERUSER, '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C'],
      this.#user,
      this.dir,
    );
  }

  protected override command(): ServerCommand {
    return {
      file: path.join(this.#bin, 'postgres'),
      args: ['-D', path.join(this.dir, 'data'), '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      debianPackage: 'postgresql',
      ...(this.#user === undefined ? {} : { user: this.#user }),
    };
  }

  protected override async isReady(): Promise<boolean> {
    const code = await exitCode(path.join(this.#bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(this.port), '-U', SUPERUSER, '-d', 'postgres', '-t', '1']);
    return code === 0;
  }
}
