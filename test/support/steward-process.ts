import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STEWARD_BIN = path.join(REPO, 'bin', 'steward.js');

export async function tempDir(prefix = 'steward-test-'): Promise<{ dir: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

/** The password of the home's first user, `admin`, which the controller wrote at its first start. */
export async function adminPassword(home: string): Promise<string> {
  return (await readFile(path.join(home, 'secrets', 'initialAdminPassword'), 'utf8')).trim();
}

/** An HTTP Basic header value. */
export function basic(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`, 'utf8').toString('base64')}`;
}

/**
 * Makes an API token for a user as a script would: HTTP Basic with the password, a crumb, then
 * POST .../ApiTokenProperty/generateNewToken. Returns the token.
 */
export async function createApiToken(url: string, user: string, password: string, name = 'test'): Promise<string> {
  const authorization = basic(user, password);
  const crumbRes = await fetch(new URL('crumbIssuer/api/json', url), { headers: { authorization } });
  if (crumbRes.status !== 200) throw new Error(`crumbIssuer as ${user}: ${crumbRes.status} ${await crumbRes.text()}`);
  const crumb = (await crumbRes.json()) as { crumb: string; crumbRequestField: string };
  const res = await fetch(new URL(`user/${encodeURIComponent(user)}/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken`, url), {
    method: 'POST',
    headers: { authorization, [crumb.crumbRequestField]: crumb.crumb },
    body: new URLSearchParams({ newTokenName: name }),
  });
  if (res.status !== 200) throw new Error(`generateNewToken for ${user}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: { tokenValue: string } }).data.tokenValue;
}

/**
 * A real `steward start` process on a home, on a free port; its log lines are kept for
 * assertions. Once ready, `fetch` and the helpers below send the home's `admin` with an API token
 * (made at ready()); `fetchAnonymous` sends no credentials.
 */
export class StewardProcess {
  readonly child: ChildProcess;
  readonly home: string;
  /** The API token of `admin` the helpers use, made at ready(). */
  adminToken: string | undefined;
  /** The Authorization header the helpers send: `admin` with that token. */
  authorization: string | undefined;
  readonly lines: Record<string, unknown>[] = [];
  readonly stderr: string[] = [];
  port = 0;
  readonly exited: Promise<number | null>;

  private constructor(child: ChildProcess, home: string) {
    this.child = child;
    this.home = home;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.stderr.push(line);
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => this.stderr.push(line));
  }

  static spawn(home: string, args: string[] = []): StewardProcess {
    const child = spawn(process.execPath, [STEWARD_BIN, 'start', '--home', home, '--port', '0', '--host', '127.0.0.1', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, STEWARD_LOG_LEVEL: 'info' },
    });
    return new StewardProcess(child, home);
  }

  /** Starts a controller and waits until it reports ready. */
  static async start(home: string, args: string[] = []): Promise<StewardProcess> {
    const p = StewardProcess.spawn(home, args);
    await p.ready();
    return p;
  }

  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('Steward is ready'));
      if (line !== undefined) {
        this.port = Number(line.port);
        this.adminToken ??= await createApiToken(this.url, 'admin', await adminPassword(this.home));
        this.authorization = basic('admin', this.adminToken);
        return;
      }
      if (this.child.exitCode !== null) throw new Error(`steward exited with ${this.child.exitCode}: ${this.stderr.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`steward did not become ready: ${this.stderr.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** A request as `admin` (with an API token: no crumb needed), unless init sets its own Authorization. */
  fetch(p: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization') && this.authorization !== undefined) headers.set('authorization', this.authorization);
    return fetch(new URL(p, this.url), { redirect: 'manual', ...init, headers });
  }

  /** A request without credentials. */
  fetchAnonymous(p: string, init: RequestInit = {}): Promise<Response> {
    return fetch(new URL(p, this.url), { redirect: 'manual', ...init });
  }

  async json<T = Record<string, unknown>>(p: string): Promise<T> {
    const res = await this.fetch(p);
    if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** POST /createItem with a config.xml body; asserts 200. */
  async createJob(name: string, xml: string): Promise<void> {
    const res = await this.fetch(`createItem?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml,
    });
    if (res.status !== 200) throw new Error(`createItem ${name}: ${res.status} ${await res.text()}`);
  }

  /** POST /job/NAME/build (or buildWithParameters); returns the queue item id from Location. */
  async queueBuild(job: string, params?: Record<string, string>): Promise<number> {
    const res = await this.fetch(`job/${job}/${params === undefined ? 'build' : 'buildWithParameters'}`, {
      method: 'POST',
      ...(params === undefined ? {} : { body: new URLSearchParams(params) }),
    });
    if (res.status !== 201) throw new Error(`build ${job}: ${res.status} ${await res.text()}`);
    const location = res.headers.get('location') ?? '';
    const m = /\/queue\/item\/(\d+)\/$/.exec(location);
    if (m === null) throw new Error(`Location ${location} names no queue item`);
    return Number(m[1]);
  }

  /** Waits until the queue item has become a build; its number. */
  buildNumberOf(queueId: number): Promise<number> {
    return eventually(async () => {
      const item = await this.json<{ executable?: { number: number } | null }>(`queue/item/${queueId}/api/json`);
      return item.executable?.number ?? undefined;
    }, `queue item ${queueId} to start`);
  }

  /** Waits until build N of the job has ended; its result. */
  waitForResult(job: string, n: number): Promise<string> {
    return eventually(async () => {
      const b = await this.json<{ building: boolean; result: string | null }>(`job/${job}/${n}/api/json`);
      return b.building ? undefined : (b.result ?? undefined);
    }, `${job} #${n} to finish`, 60_000);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/**
 * Runs one controller on a temporary home for a describe block (before/after hooks); the getters
 * give the running process and the home folder.
 */
export function useController(args: string[] = []): { readonly s: StewardProcess; readonly home: string } {
  let proc: StewardProcess | undefined;
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  before(async () => {
    dir = await tempDir();
    proc = await StewardProcess.start(dir.dir, args);
  });
  after(async () => {
    await proc?.stop();
    await dir?.[Symbol.asyncDispose]();
  });
  return {
    get s(): StewardProcess {
      if (proc === undefined) throw new Error('the controller is not started yet');
      return proc;
    },
    get home(): string {
      if (dir === undefined) throw new Error('the home is not made yet');
      return dir.dir;
    },
  };
}

/** Polls until `fn` returns a value other than undefined. */
export async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A freestyle config.xml the way Jenkins writes it. */
export function freestyleXml(opts: {
  command: string;
  parameters?: string;
  concurrent?: boolean;
  assignedNode?: string;
  quietPeriod?: number;
  extra?: string;
  wrappers?: string;
  description?: string;
}): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <description>${esc(opts.description ?? 'made by a test')}</description>
  <keepDependencies>false</keepDependencies>
  <properties>${opts.parameters === undefined ? '' : `
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>${opts.parameters}
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>`}
  </properties>
  <scm class="hudson.scm.NullSCM"/>${opts.assignedNode === undefined ? '<canRoam>true</canRoam>' : `
  <assignedNode>${esc(opts.assignedNode)}</assignedNode>
  <canRoam>false</canRoam>`}
  <disabled>false</disabled>
  <blockBuildWhenDownstreamBuilding>false</blockBuildWhenDownstreamBuilding>
  <blockBuildWhenUpstreamBuilding>false</blockBuildWhenUpstreamBuilding>${opts.quietPeriod === undefined ? '' : `
  <quietPeriod>${opts.quietPeriod}</quietPeriod>`}
  <triggers/>
  <concurrentBuild>${opts.concurrent === true ? 'true' : 'false'}</concurrentBuild>
  <builders>
    <hudson.tasks.Shell>
      <command>${esc(opts.command)}</command>
      <configuredLocalRules/>
    </hudson.tasks.Shell>
  </builders>
  <publishers/>
  <buildWrappers>${opts.wrappers ?? ''}</buildWrappers>${opts.extra ?? ''}
</project>
`;
}

export function stringParam(name: string, defaultValue: string): string {
  return `
        <hudson.model.StringParameterDefinition>
          <name>${name}</name>
          <description></description>
          <defaultValue>${defaultValue}</defaultValue>
          <trim>false</trim>
        </hudson.model.StringParameterDefinition>`;
}
