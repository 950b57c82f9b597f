import { StewardError } from '../errors/index.js';

/** A small HTTP client of a running controller, for the client verbs. */
export class StewardClient {
  readonly base: string;

  constructor(url: string) {
    this.base = url.endsWith('/') ? url : `${url}/`;
  }

  url(path: string): string {
    return new URL(path.replace(/^\//, ''), this.base).toString();
  }

  async request(method: string, path: string, body?: string | URLSearchParams, contentType?: string): Promise<Response> {
    let res: Response;
    try {
      const init: RequestInit = { method, redirect: 'manual' };
      if (body !== undefined) {
        init.body = body;
        if (contentType !== undefined) init.headers = { 'content-type': contentType };
      }
      res = await fetch(this.url(path), init);
    } catch (err) {
      throw new StewardError('STW_REQUEST_INVALID', `cannot reach the controller at ${this.base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, { cause: err });
    }
    if (res.status >= 400) {
      let message = res.headers.get('x-error') ?? '';
      if (message === '') {
        const text = await res.text();
        try {
          message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
        } catch {
          message = text;
        }
      } else {
        await res.body?.cancel();
      }
      throw new StewardError('STW_REQUEST_INVALID', `${method} ${path}: ${res.status} ${message}`.trim());
    }
    return res;
  }

  async json<T>(path: string): Promise<T> {
    const res = await this.request('GET', path);
    return (await res.json()) as T;
  }
}
