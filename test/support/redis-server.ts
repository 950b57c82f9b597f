/**
 * A real redis-server for tests, on a free loopback port in a temporary directory, without any
 * persistence (TEST-SERVERS.md): a restart starts from an empty server, as a production Redis
 * without RDB/AOF would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './tcp-proxy.js';

export class RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly host = '127.0.0.1';
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #output: string[] = [];

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  static async start(): Promise<RedisServer> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'steward-redis-'));
    const server = new RedisServer(await freePort(), dir);
    try {
      await server.#spawn();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  async #spawn(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#output = [];
    const keep = (d: Buffer) => {
      this.#output.push(String(d));
      if (this.#output.length > 50) this.#output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(new Error(`cannot start redis-server (apt-get install -y redis-server): ${err.message}`)));
      child.once('exit', (code, signal) => reject(new Error(`redis-server exited (${code ?? signal}) while starting: ${this.#output.join('')}`)));
    });
    failed.catch(() => undefined);
    await Promise.race([waitForPort(this.port, 10_000), failed]);
  }

  /** Stops the server (SIGTERM; without persistence it saves nothing) and waits for its exit. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await this.#exited;
      clearTimeout(timer);
    }
  }

  /** Stops and starts the server again on the same port: every key is gone. */
  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  /** Stops the server and removes its directory. */
  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
