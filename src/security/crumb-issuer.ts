import { randomBytes } from 'node:crypto';

import { StewardError } from '../errors/index.js';
import type { HomeStore } from '../home/index.js';
import { ANONYMOUS_NAME } from './authentication.js';
import { constantTimeEqual, sha256Hex } from './constant-time.js';

/** The per-home salt of crumbs; shared by every controller of the home, so crumbs survive a takeover. */
export const CRUMB_SALT_FILE = 'secrets/steward.crumb.salt';

/** What GET /crumbIssuer/api/json answers. */
export interface CrumbJson {
  readonly _class: 'hudson.security.csrf.DefaultCrumbIssuer';
  readonly crumb: string;
  readonly crumbRequestField: 'Jenkins-Crumb';
}

/**
 * CSRF crumbs after Jenkins' DefaultCrumbIssuer: a crumb is the hex SHA-256 of the salt, the user
 * name (`anonymous` when not logged in) and the session id, so it is valid only for that user in
 * that session. The parts are joined with NUL so that no two (user, session) pairs collide.
 */
export class CrumbIssuer {
  static readonly CLASS = 'hudson.security.csrf.DefaultCrumbIssuer';
  /** The header (and form field) that carries the crumb. */
  readonly crumbRequestField = 'Jenkins-Crumb' as const;
  readonly #salt: string;

  constructor(salt: string) {
    this.#salt = salt;
  }

  /** Reads the salt from secrets/, creating it (32 random bytes, hex, 0600) the first time. */
  static async load(store: HomeStore): Promise<CrumbIssuer> {
    const existing = (await store.readText(CRUMB_SALT_FILE))?.trim();
    if (existing !== undefined && /^[0-9a-f]{64}$/.test(existing)) return new CrumbIssuer(existing);
    const salt = randomBytes(32).toString('hex');
    await store.writeAtomic(CRUMB_SALT_FILE, `${salt}\n`, { mode: 0o600 });
    return new CrumbIssuer(salt);
  }

  issue(userId: string | undefined, sessionId: string): string {
    return sha256Hex(`${this.#salt}\0${userId ?? ANONYMOUS_NAME}\0${sessionId}`);
  }

  /** Constant-time check of a crumb sent with a request; false when missing. */
  validate(userId: string | undefined, sessionId: string, crumb: string | undefined): boolean {
    if (crumb === undefined) return false;
    return constantTimeEqual(this.issue(userId, sessionId), crumb.trim().toLowerCase());
  }

  /** Throws STW_CRUMB_INVALID (403, Jenkins' "No valid crumb was included in the request"). */
  check(userId: string | undefined, sessionId: string, crumb: string | undefined): void {
    if (!this.validate(userId, sessionId, crumb)) {
      throw new StewardError('STW_CRUMB_INVALID', 'No valid crumb was included in the request');
    }
  }

  /** The body of GET /crumbIssuer/api/json. */
  json(userId: string | undefined, sessionId: string): CrumbJson {
    return { _class: CrumbIssuer.CLASS, crumb: this.issue(userId, sessionId), crumbRequestField: this.crumbRequestField };
  }
}
