/**
 * An HTTP client of a running controller, as the tests and the benchmarks use it: once signed in,
 * its requests go as the home's `admin` with an API token (no crumb needed).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { eventually } from './eventually.js';

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

export class ControllerClient {
  readonly home: string;
  /** The controller's port; 0 until it is known (a subclass reads it from the ready line). */
  port: number;
  /** The API token of `admin` the requests use, made once at signIn(). */
  adminToken: string | undefined;
  /** The Authorization header of requests: `admin` with that token. */
  authorization: string | undefined;

  constructor(home: string, port = 0) {
    this.home = home;
    this.port = port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** Makes `admin`'s API token (once, with the password the home keeps) for the requests to send. */
  protected async signIn(tokenName: string): Promise<void> {
    this.adminToken ??= await createApiToken(this.url, 'admin', await adminPassword(this.home), tokenName);
    this.authorization = basic('admin', this.adminToken);
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

  /** POST /computer/(built-in)/setNumExecutors. */
  async setExecutors(n: number): Promise<void> {
    const res = await this.fetch(`computer/(built-in)/setNumExecutors?numExecutors=${n}`, { method: 'POST' });
    if (res.status >= 300) throw new Error(`setNumExecutors: ${res.status} ${await res.text()}`);
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
}
