/**
 * A real ZooKeeper server (Debian's zookeeper package) for tests, started as TEST-SERVERS.md says:
 * standalone, tickTime=500 (so session timeouts from 1 s to 10 s), on a free loopback port, in a
 * temporary directory. `restart()` keeps the port and the data directory, so sessions and nodes
 * survive it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { LeaseServer } from '../ha/lease-contract.js';
import { freePort } from './tcp-proxy.js';

const CLASSPATH = '/usr/share/zookeeper/zookeeper.jar:/usr/share/java/*';
export const TICK_MS = 500;

export class ZookeeperServer implements LeaseServer {
  readonly dir: string;
  readonly port: number;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  readonly #output: string[] = [];

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  static async start(): Promise<ZookeeperServer> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'steward-zk-'));
    const server = new ZookeeperServer(dir, await freePort());
    try {
      await mkdir(path.join(dir, 'data'));
      await writeFile(
        path.join(dir, 'zoo.cfg'),
        [
          `tickTime=${TICK_MS}`,
          `dataDir=${path.join(dir, 'data')}`,
          `clientPort=${server.port}`,
          'clientPortAddress=127.0.0.1',
          'admin.enableServer=false',
          '4lw.commands.whitelist=ruok,stat',
          '',
        ].join('\n'),
      );
      await server.#launch();
      return server;
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  get target(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  url(name: string): string {
    return `zk://127.0.0.1:${this.port}/steward-test/${name}`;
  }

  urlVia(name: string, port: number): string {
    return `zk://127.0.0.1:${port}/steward-test/${name}`;
  }

  /** How long the last start took until `ruok` answered `imok`. */
  startedInMs = 0;

  async #launch(): Promise<void> {
    const started = performance.now();
    const child = spawn('java', ['-cp', CLASSPATH, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', path.join(this.dir, 'zoo.cfg')], {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const keep = (chunk: Buffer) => {
      this.#output.push(String(chunk));
      if (this.#output.length > 200) this.#output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`ZooKeeper exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${this.#output.join('')}`);
      }
      if ((await fourLetterWord(this.port, 'ruok')) === 'imok') break;
      if (Date.now() > deadline) throw new Error(`ZooKeeper on port ${this.port} did not answer ruok within 30 s:\n${this.#output.join('')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    this.startedInMs = performance.now() - started;
  }

  /** SIGTERM, then SIGKILL after 5 s; the data directory stays until stop(). */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#exited, new Promise<void>((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await this.#exited;
    }
  }

  /** Stops the server and starts it again on the same port with the same data directory. */
  async restart(downMs = 0): Promise<void> {
    await this.kill();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.#launch();
  }

  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Sends a four-letter word and returns the answer ('' when the connection fails). */
export function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const s = net.connect(port, '127.0.0.1', () => s.end(word));
    s.setTimeout(1000, () => s.destroy());
    s.on('data', (d) => (answer += String(d)));
    s.on('error', () => undefined);
    s.on('close', () => resolve(answer.trim()));
  });
}
