import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { StewardError } from '../errors/index.js';
import { readEpochFile, type HomeStore } from '../home/index.js';

/**
 * `.steward/active`: who the active controller is and where it is reachable (its
 * `--advertise-url`), written by the active controller through the home store when it is
 * promoted. Standbys read it to name the active controller in their answers. It is believed only
 * while its epoch is the one in `.steward/epoch`, so the record of a controller that was replaced
 * is not followed; the URL comes only from an active controller's own configuration, never from a
 * request.
 */
export const ACTIVE_FILE = '.steward/active';

export interface ActiveRecord {
  epoch: number;
  instanceId: string;
  /** The active controller's advertised URL, when it was given one. */
  url?: string;
  /** ISO 8601 time it became active. */
  since: string;
}

/**
 * `--advertise-url` / STEWARD_ADVERTISE_URL: an http(s) URL without credentials, query or
 * fragment, returned with a trailing `/`.
 * @throws StewardError STW_REQUEST_INVALID naming `where` when it is not one.
 */
export function parseAdvertiseUrl(text: string, where: string): string {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new StewardError('STW_REQUEST_INVALID', `${where} must be an http:// or https:// URL such as http://10.0.0.5:8080/, not ${JSON.stringify(text)}`, { field: where });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new StewardError('STW_REQUEST_INVALID', `${where} must be an http:// or https:// URL, not ${u.protocol}`, { field: where });
  }
  if (u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '') {
    throw new StewardError('STW_REQUEST_INVALID', `${where} must be a plain URL, without credentials, query or fragment`, { field: where });
  }
  return `${u.origin}${u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`}`;
}

export async function writeActiveRecord(store: HomeStore, record: ActiveRecord): Promise<void> {
  await store.writeAtomic(ACTIVE_FILE, `${JSON.stringify(record)}\n`);
}

/**
 * The record as the home has it now; undefined when there is none or it cannot be read (one
 * being replaced, or not written by a controller). Its URL, if any, is a valid advertised URL.
 */
export async function readActiveRecord(home: string): Promise<ActiveRecord | undefined> {
  try {
    const r = JSON.parse(await readFile(path.join(home, ACTIVE_FILE), 'utf8')) as Partial<ActiveRecord>;
    if (typeof r.epoch !== 'number' || typeof r.instanceId !== 'string') return undefined;
    const url = typeof r.url === 'string' ? parseAdvertiseUrl(r.url, ACTIVE_FILE) : undefined;
    return { epoch: r.epoch, instanceId: r.instanceId, ...(url === undefined ? {} : { url }), since: typeof r.since === 'string' ? r.since : '' };
  } catch {
    return undefined;
  }
}

/** How long a standby trusts what it read of the home about the active controller. */
const CACHE_MS = 1000;

/**
 * The active controller's URL as a standby (or a controller that stepped down) sees it: read from
 * `.steward/active` and `.steward/epoch`, at most once a second however many requests ask.
 */
export class ActiveUrlReader {
  readonly #home: string;
  readonly #self: string;
  #cached: { at: number; url: Promise<string | undefined> } | undefined;

  /** `self`: this controller's instance id; its own record names no other controller. */
  constructor(home: string, self: string) {
    this.#home = home;
    this.#self = self;
  }

  url(): Promise<string | undefined> {
    const now = performance.now();
    if (this.#cached === undefined || now - this.#cached.at > CACHE_MS) this.#cached = { at: now, url: this.#read() };
    return this.#cached.url;
  }

  async #read(): Promise<string | undefined> {
    const r = await readActiveRecord(this.#home);
    let epoch: number;
    try {
      epoch = readEpochFile(path.join(this.#home, '.steward', 'epoch'));
    } catch {
      epoch = -1;
    }
    // No active controller yet, or one whose record is not yet written: nobody to name.
    if (r === undefined || r.epoch !== epoch || r.instanceId === this.#self) return undefined;
    return r.url;
  }
}
