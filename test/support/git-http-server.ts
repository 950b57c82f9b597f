/**
 * Git's smart HTTP server for tests: git's own `git http-backend` (CGI, from Debian's git package)
 * behind a small HTTP server on a free loopback port that asks for HTTP Basic credentials, as a
 * Git host does. While a client's request is served, the command lines of every process on the
 * machine are searched for `watchFor` (a password that must never be on a command line).
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class GitHttpServer {
  readonly #server: http.Server;
  readonly root: string;
  readonly #user: string;
  readonly #password: string;
  /** Requests answered, with whether they carried the right credentials. */
  readonly requests: { path: string; authorized: boolean }[] = [];
  /** Command lines seen holding the password while a request was served. */
  readonly commandLinesWithPassword: string[] = [];

  private constructor(root: string, user: string, password: string) {
    this.root = root;
    this.#user = user;
    this.#password = password;
    this.#server = http.createServer((req, res) => void this.#serve(req, res));
  }

  /** Serves the repositories under `root` to `user` with `password`. */
  static async start(root: string, user: string, password: string): Promise<GitHttpServer> {
    const s = new GitHttpServer(root, user, password);
    await new Promise<void>((resolve) => s.#server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`;
  }

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const expected = `Basic ${Buffer.from(`${this.#user}:${this.#password}`).toString('base64')}`;
    const authorized = req.headers.authorization === expected;
    this.requests.push({ path: url.pathname, authorized });
    await this.#scanCommandLines();
    if (!authorized) {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('credentials needed\n');
      return;
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: this.root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: this.#user,
        REMOTE_ADDR: '127.0.0.1',
        ...(req.headers['content-encoding'] === undefined ? {} : { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) }),
        ...(req.headers['git-protocol'] === undefined ? {} : { GIT_PROTOCOL: String(req.headers['git-protocol']) }),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((resolve) => cgi.once('close', resolve));
    const out = Buffer.concat(chunks);
    const end = out.indexOf('\r\n\r\n');
    const head = out.subarray(0, end).toString('latin1').split('\r\n');
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head) {
      const i = line.indexOf(':');
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers).end(out.subarray(end + 4));
  }

  async #scanCommandLines(): Promise<void> {
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`).catch(() => undefined);
      if (cmdline === undefined) continue;
      const text = cmdline.toString('utf8').replaceAll('\0', ' ');
      if (text.includes(this.#password)) this.commandLinesWithPassword.push(text);
    }
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
