/**
 * A real etcd (Debian's etcd-server, 3.4) for the tests: one member on free loopback ports, in a
 * temporary data dir, started with the command in TEST-SERVERS.md. `restart()` stops it and starts
 * it again on the same ports and data dir, as an operator's restart of the lock service would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './tcp-proxy.js';

export class EtcdServer {
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  readonly #root: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  readonly #output: string[] = [];

  private constructor(root: string, clientPort: number, peerPort: number) {
    this.#root = root;
    this.dataDir = path.join(root, 'data');
    this.clientPort = clientPort;
    this.peerPort = peerPort;
  }

  /** Starts a fresh etcd and resolves once `/health` says it is healthy. */
  static async start(): Promise<EtcdServer> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'steward-etcd-'));
    const server = new EtcdServer(root, await freePort(), await freePort());
    try {
      await server.#spawn();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  get clientUrl(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  async #spawn(): Promise<void> {
    const client = this.clientUrl;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const child = spawn(
      'etcd',
      [
        '--name', 't',
        '--data-dir', this.dataDir,
        '--listen-client-urls', client,
        '--advertise-client-urls', client,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `t=${peer}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const keep = (chunk: Buffer) => {
      this.#output.push(String(chunk));
      if (this.#output.length > 200) this.#output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await this.#ready(child);
  }

  async #ready(child: ChildProcess, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`etcd exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${this.#output.join('')}`);
      }
      try {
        const res = await fetch(`${this.clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
        const body = (await res.json()) as { health?: string };
        if (body.health === 'true') return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`etcd not healthy after ${timeoutMs} ms:\n${this.#output.join('')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Stops the server (TERM, then KILL after 5 s); the data dir stays until stop(). */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await this.#exited;
      clearTimeout(timer);
    }
  }

  /** Stops and starts it again on the same ports and data dir; `downMs` is how long it stays down. */
  async restart(downMs = 0): Promise<void> {
    await this.kill();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.#spawn();
  }

  /** Stops the server and removes its data dir. */
  async stop(): Promise<void> {
    await this.kill();
    await rm(this.#root, { recursive: true, force: true });
  }
}
