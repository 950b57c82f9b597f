import { readFileSync } from 'node:fs';

import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';

import { StewardError } from '../errors/index.js';

/** A user id with a password or an API token. */
export interface ClientAuth {
  readonly user: string;
  readonly secret: string;
}

/** An API token as the controller makes them; anything else is sent as a password. */
const TOKEN_SHAPE = /^11[0-9a-f]{32}$/;

/**
 * The credentials of the client verbs: `--auth USER:SECRET` or `--auth @FILE` (the file holds
 * USER:SECRET, so the secret stays out of the process list), else $STEWARD_USER with
 * $STEWARD_TOKEN. Undefined when none are given (requests go as anonymous).
 */
export function resolveAuth(option: string | undefined, env: NodeJS.ProcessEnv = process.env): ClientAuth | undefined {
  if (option !== undefined) {
    let text = option;
    if (option.startsWith('@')) {
      try {
        text = readFileSync(option.slice(1), 'utf8').trim();
      } catch (err) {
        throw new StewardError('STW_REQUEST_INVALID', `--auth ${option}: cannot read ${option.slice(1)}: ${(err as Error).message}`, { field: '--auth' });
      }
    }
    const colon = text.indexOf(':');
    if (colon <= 0) throw new StewardError('STW_REQUEST_INVALID', '--auth must be USER:TOKEN (or @FILE holding USER:TOKEN)', { field: '--auth' });
    return { user: text.slice(0, colon), secret: text.slice(colon + 1) };
  }
  const user = env.STEWARD_USER;
  const token = env.STEWARD_TOKEN;
  if (user !== undefined && user !== '' && token !== undefined && token !== '') return { user, secret: token };
  return undefined;
}

/** A small HTTP client of a running controller, for the client verbs. */
export class StewardClient {
  readonly base: string;
  readonly #authorization: string | undefined;
  /** A password (not a token) needs a crumb on POST, as in Jenkins. */
  readonly #needsCrumb: boolean;
  #crumb: { field: string; value: string } | undefined;

  constructor(url: string, auth?: ClientAuth) {
    this.base = url.endsWith('/') ? url : `${url}/`;
    this.#authorization = auth === undefined ? undefined : `Basic ${Buffer.from(`${auth.user}:${auth.secret}`, 'utf8').toString('base64')}`;
    this.#needsCrumb = auth !== undefined && !TOKEN_SHAPE.test(auth.secret);
  }

  url(path: string): string {
    return new URL(path.replace(/^\//, ''), this.base).toString();
  }

  /**
   * `waitMs`: how long the answer may take (a handover waits for builds); without it, HTTP's
   * usual 5 minutes for the answer's headers.
   */
  async request(method: string, path: string, body?: string | URLSearchParams, contentType?: string, waitMs?: number): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.#authorization !== undefined) headers.authorization = this.#authorization;
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (method !== 'GET' && this.#needsCrumb) {
      if (this.#crumb === undefined) {
        const c = await this.json<{ crumb: string; crumbRequestField: string }>('crumbIssuer/api/json');
        this.#crumb = { field: c.crumbRequestField, value: c.crumb };
      }
      headers[this.#crumb.field] = this.#crumb.value;
    }
    let res: Response;
    // An answer that may take longer than 5 minutes needs a client that waits as long.
    const dispatcher = waitMs === undefined ? undefined : new Agent({ headersTimeout: waitMs, bodyTimeout: waitMs });
    try {
      const init: UndiciRequestInit = { method, redirect: 'manual', headers, ...(dispatcher === undefined ? {} : { dispatcher }) };
      if (body !== undefined) init.body = body;
      res = (await undiciFetch(this.url(path), init)) as unknown as Response;
    } catch (err) {
      throw new StewardError('STW_REQUEST_INVALID', `cannot reach the controller at ${this.base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, { cause: err });
    }
    if (res.status >= 400) {
      // The body's message first: X-Error is cut to 200 characters.
      const text = await res.text();
      let message: string;
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
      } catch {
        message = res.headers.get('x-error') ?? text;
      }
      const hint = res.status === 401 ? ' (give --auth USER:TOKEN, or set STEWARD_USER and STEWARD_TOKEN)' : '';
      throw new StewardError('STW_REQUEST_INVALID', `${method} ${path}: ${res.status} ${message}${hint}`.trim());
    }
    return res;
  }

  async json<T>(path: string): Promise<T> {
    const res = await this.request('GET', path);
    return (await res.json()) as T;
  }
}
