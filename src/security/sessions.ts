import { createHmac, randomBytes } from 'node:crypto';

import type { HomeStore } from '../home/index.js';
import { constantTimeEqual } from './constant-time.js';

/** The per-home key that signs session cookies; shared by every controller of the home. */
export const SESSION_KEY_FILE = 'secrets/steward.session.key';

/** The cookie that carries a browser's login session. */
export const SESSION_COOKIE = 'steward-session';

export interface SessionCodecOptions {
  /** How long a login lasts, in ms. Default 12 hours. */
  lifetimeMs?: number;
  now?: () => number;
}

/** A valid session, as read from its cookie. */
export interface Session {
  readonly userId: string;
  /** Random, 128 bits, hex: what crumbs are bound to. */
  readonly id: string;
  readonly expiresAt: number;
}

/**
 * Login sessions kept in the cookie itself, signed with HMAC-SHA256 under a key in secrets/:
 * `v1.<user id, base64url>.<session id>.<expiry, seconds>.<signature>`. Nothing is kept in
 * the controller's memory but logouts, so a standby that takes over accepts the sessions of the
 * controller before it, and browser users stay logged in across a failover.
 *
 * The signature also covers a seed of the user (a digest of their password hash, which the cookie
 * does not carry): setting a new password ends every session made with the old one.
 *
 * A logout is remembered until the session would have expired, by this controller only: after
 * a failover, a cookie that was logged out on the old controller is valid again until it
 * expires, if the browser still holds it (logout also clears the cookie in the browser).
 */
export class SessionCodec {
  readonly #key: Buffer;
  readonly #lifetime: number;
  readonly #now: () => number;
  /** Logged-out session ids and when they would have expired. */
  readonly #revoked = new Map<string, number>();

  constructor(key: Buffer, opts: SessionCodecOptions = {}) {
    this.#key = key;
    this.#lifetime = opts.lifetimeMs ?? 12 * 3600_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Reads the key from secrets/, creating it (32 random bytes, hex, 0600) the first time. */
  static async load(store: HomeStore, opts: SessionCodecOptions = {}): Promise<SessionCodec> {
    const existing = (await store.readText(SESSION_KEY_FILE))?.trim();
    if (existing !== undefined && /^[0-9a-f]{64}$/.test(existing)) return new SessionCodec(Buffer.from(existing, 'hex'), opts);
    const key = randomBytes(32);
    await store.writeAtomic(SESSION_KEY_FILE, `${key.toString('hex')}\n`, { mode: 0o600 });
    return new SessionCodec(key, opts);
  }

  /** How long a session lasts, in ms. */
  get lifetimeMs(): number {
    return this.#lifetime;
  }

  /** A new session for the user (bound to their seed) and the cookie value that carries it. */
  issue(userId: string, seed = ''): { session: Session; cookie: string } {
    const id = randomBytes(16).toString('hex');
    const expiresAt = Math.floor((this.#now() + this.#lifetime) / 1000);
    const body = `v1.${Buffer.from(userId, 'utf8').toString('base64url')}.${id}.${expiresAt}`;
    return { session: { userId, id, expiresAt: expiresAt * 1000 }, cookie: `${body}.${this.#sign(body, seed)}` };
  }

  /**
   * The session a cookie value carries; undefined when forged, malformed, expired, logged out, or
   * made before the user's seed changed (`seedOf` gives it; undefined: no such user).
   */
  read(cookie: string, seedOf: (userId: string) => string | undefined = () => ''): Session | undefined {
    const parts = cookie.split('.');
    if (parts.length !== 5 || parts[0] !== 'v1') return undefined;
    const [, user, id, expiry, signature] = parts as [string, string, string, string, string];
    const userId = Buffer.from(user, 'base64url').toString('utf8');
    const seed = seedOf(userId);
    if (seed === undefined) return undefined;
    if (!constantTimeEqual(this.#sign(parts.slice(0, 4).join('.'), seed), signature)) return undefined;
    const expiresAt = Number(expiry) * 1000;
    if (!Number.isSafeInteger(expiresAt) || expiresAt <= this.#now()) return undefined;
    if (this.#revoked.has(id)) return undefined;
    return { userId, id, expiresAt };
  }

  /** Logs a session out. */
  revoke(session: Session): void {
    const now = this.#now();
    for (const [id, until] of this.#revoked) if (until <= now) this.#revoked.delete(id);
    this.#revoked.set(session.id, session.expiresAt);
  }

  #sign(body: string, seed: string): string {
    return createHmac('sha256', this.#key).update(`${body}\0${seed}`, 'utf8').digest('base64url');
  }
}
