import { randomBytes } from 'node:crypto';

import type { Logger } from 'pino';

import { StewardError, coerceError, excerpt } from '../errors/index.js';
import type { HomeStore } from '../home/index.js';
import { generateToken, hashOfPresentedToken, type ApiTokenInfo, type HashedToken } from './api-token.js';
import type { AuditSink } from './audit-log.js';
import { idKey } from './authentication.js';
import { constantTimeEqual, sha256Hex } from './constant-time.js';
import { hashKind, hashPassword, verifyDummy, verifyPassword } from './password-hash.js';
import { KeyedSerializer } from '../home/index.js';
import { TokenCache } from './token-cache.js';
import { UserConfig } from './user-config.js';
import { USERS_XML, newDirectoryName, parseUserIdMap, writeUserIdMap, isSafeDirectoryName } from './user-id-mapper.js';

/** A user of the built-in realm, as others may see it. */
export interface User {
  readonly id: string;
  readonly fullName: string;
  /** The folder under users/ that holds config.xml. */
  readonly directory: string;
}

export interface UserStoreOptions {
  logger?: Logger;
  audit?: AuditSink;
  tokenCache?: TokenCache;
  now?: () => number;
  /**
   * Rehash a `#jbcrypt:` password to argon2id when it is used to log in successfully. Default
   * true. The rewritten config.xml can then no longer be read by Jenkins' realm (Jenkins only
   * knows jbcrypt), which is the price of moving off bcrypt's 72-byte, cost-10 hashes.
   */
  upgradeLegacyHashes?: boolean;
}

/** Jenkins' default HudsonPrivateSecurityRealm ID_REGEX, plus a length limit. */
const ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
/** Names Jenkins refuses (User.ILLEGAL_PERSISTED_USERNAMES) and the matrix's special sids. */
const RESERVED_IDS = new Set(['anonymous', 'system', 'unknown', 'authenticated']);
/** Longer passwords are refused so that hashing cannot be made expensive. */
const MAX_PASSWORD_LENGTH = 1024;

interface UserRecord {
  user: User;
  config: UserConfig;
}

function randomLong(): bigint {
  return randomBytes(8).readBigUInt64BE() % 10_000_000_000_000_000_000n;
}

/**
 * The users of the built-in SecurityRealm, kept in users/ as Jenkins 2.x keeps them (see
 * user-id-mapper.ts and user-config.ts). User ids are case-insensitive. All users are held in
 * memory; every change is written through the HomeStore before it is visible.
 */
export class UserStore {
  readonly #store: HomeStore;
  readonly #log: Logger | undefined;
  readonly #audit: AuditSink | undefined;
  readonly #now: () => number;
  readonly #upgrade: boolean;
  readonly tokenCache: TokenCache;
  readonly #users = new Map<string, UserRecord>();
  readonly #queue = new KeyedSerializer();
  /** Keys being created, so two creations of one id cannot both pass the check. */
  readonly #creating = new Set<string>();

  private constructor(store: HomeStore, opts: UserStoreOptions) {
    this.#store = store;
    this.#log = opts.logger?.child({ component: 'users' });
    this.#audit = opts.audit;
    this.#now = opts.now ?? Date.now;
    this.#upgrade = opts.upgradeLegacyHashes ?? true;
    this.tokenCache = opts.tokenCache ?? new TokenCache({ now: this.#now });
  }

  /**
   * Reads users/users.xml and each user's config.xml. A home from Jenkins before 2.150 (no
   * users.xml, one folder per id) is read from the folders; users.xml is written at the next
   * change. A user whose config.xml is missing or unreadable is left out, with a warning.
   */
  static async load(store: HomeStore, opts: UserStoreOptions = {}): Promise<UserStore> {
    const users = new UserStore(store, opts);
    const mapText = await store.readText(USERS_XML);
    let map: Map<string, string>;
    if (mapText !== undefined) {
      map = parseUserIdMap(mapText);
    } else {
      map = new Map();
      for (const dir of await store.listDir('users')) {
        if (isSafeDirectoryName(dir) && (await store.exists(`users/${dir}/config.xml`))) map.set(idKey(dir), dir);
      }
    }
    for (const [key, dir] of map) {
      const file = `users/${dir}/config.xml`;
      try {
        const text = await store.readText(file);
        if (text === undefined) {
          users.#log?.warn({ path: file }, `user ${key} is listed in ${USERS_XML} but ${file} is missing; skipped`);
          continue;
        }
        const config = UserConfig.parse(text, file);
        const id = config.id ?? key;
        users.#users.set(idKey(id), { user: { id, fullName: config.fullName ?? id, directory: dir }, config });
      } catch (err) {
        users.#log?.warn({ err: coerceError(err), path: file }, `user ${key} could not be read; skipped`);
      }
    }
    return users;
  }

  get size(): number {
    return this.#users.size;
  }

  get(id: string): User | undefined {
    return this.#users.get(idKey(id))?.user;
  }

  /**
   * What a login session of the user is bound to: a digest of their password hash, so that a
   * new password (or a deleted user) ends every session made before. Undefined for no such user.
   */
  sessionSeed(id: string): string | undefined {
    const record = this.#users.get(idKey(id));
    return record === undefined ? undefined : sha256Hex(`session\0${record.config.passwordHash ?? ''}`);
  }

  /** Every user, by id. */
  list(): User[] {
    return [...this.#users.values()].map((r) => r.user).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * Creates a user with an argon2id password hash. Refuses (STW_NAME_INVALID) ids Jenkins
   * refuses, and (STW_USER_EXISTS) an id that exists in any letter case.
   */
  async createUser(id: string, password: string, fullName: string = id, actor?: string): Promise<User> {
    checkUserId(id);
    checkPassword(password);
    const key = idKey(id);
    if (this.#users.has(key) || this.#creating.has(key)) {
      throw new StewardError('STW_USER_EXISTS', `a user named ${JSON.stringify(excerpt(id))} already exists`);
    }
    this.#creating.add(key);
    try {
      const hash = await hashPassword(password);
      const taken = new Set([...this.#users.values()].map((r) => r.user.directory));
      let directory = newDirectoryName(key, randomLong);
      while (taken.has(directory)) directory = newDirectoryName(key, randomLong);
      const file = `users/${directory}/config.xml`;
      const config = UserConfig.create(id, fullName, hash, file);
      // config.xml first: a crash in between leaves a folder users.xml does not name, never a
      // users.xml entry without a config.xml.
      await this.#store.writeAtomic(file, config.text());
      const user: User = { id, fullName, directory };
      this.#users.set(key, { user, config });
      try {
        await this.#saveMap();
      } catch (err) {
        this.#users.delete(key);
        throw err;
      }
      await this.#audit?.record({ type: 'user.created', userId: id, ...(actor === undefined ? {} : { actor }) });
      return user;
    } finally {
      this.#creating.delete(key);
    }
  }

  /**
   * The user when the password matches. An unknown id costs a hash verification too, so the
   * time taken does not say whether the id exists. A `#jbcrypt:` hash that matches is rehashed
   * to argon2id (unless upgradeLegacyHashes is false); a failure to save that is logged and does
   * not fail the login. Failures are audited as login.failed.
   */
  async authenticate(id: string, password: string, opts: { address?: string } = {}): Promise<User | undefined> {
    const record = this.#users.get(idKey(id));
    const stored = record?.config.passwordHash;
    const ok = record === undefined || stored === undefined ? await verifyDummy(password) : await verifyPassword(stored, password);
    if (!ok || record === undefined || stored === undefined) {
      await this.#audit?.record({ type: 'login.failed', userId: id, ...(opts.address === undefined ? {} : { address: opts.address }) });
      return undefined;
    }
    if (this.#upgrade && hashKind(stored) === 'jbcrypt') {
      try {
        await this.#update(record.user.id, async (config) => config.withPasswordHash(await hashPassword(password)));
        await this.#audit?.record({ type: 'user.password-rehashed', userId: record.user.id, from: 'jbcrypt' });
      } catch (err) {
        this.#log?.warn({ err: coerceError(err), user: record.user.id }, `could not rehash the jbcrypt password of ${record.user.id}; kept as it was`);
      }
    }
    return record.user;
  }

  /** Replaces the password (argon2id) and forgets the user's cached token verifications. */
  async setPassword(id: string, password: string, actor?: string): Promise<void> {
    checkPassword(password);
    const hash = await hashPassword(password);
    const user = await this.#update(id, (config) => Promise.resolve(config.withPasswordHash(hash)));
    this.tokenCache.invalidateUser(idKey(user.id));
    await this.#audit?.record({ type: 'user.password-changed', userId: user.id, ...(actor === undefined ? {} : { actor }) });
  }

  /** Removes the user's folder and its users.xml entry. STW_USER_NOT_FOUND when unknown. */
  async delete(id: string, actor?: string): Promise<void> {
    const key = idKey(id);
    await this.#queue.run(key, async () => {
      const record = this.#require(id);
      this.#users.delete(key);
      this.tokenCache.invalidateUser(key);
      try {
        await this.#saveMap();
      } catch (err) {
        this.#users.set(key, record);
        throw err;
      }
      await this.#store.remove(`users/${record.user.directory}`);
      await this.#audit?.record({ type: 'user.deleted', userId: record.user.id, ...(actor === undefined ? {} : { actor }) });
    });
  }

  /**
   * A new API token named `name`. The returned `token` is the only time its value exists:
   * config.xml keeps its SHA-256 only.
   */
  async createToken(userId: string, name: string, actor?: string): Promise<ApiTokenInfo & { readonly token: string }> {
    const { plain, stored } = generateToken(name, new Date(this.#now()));
    const user = await this.#update(userId, (config) => Promise.resolve(config.withTokens([...config.tokens, stored])));
    await this.#audit?.record({
      type: 'token.created',
      userId: user.id,
      tokenUuid: stored.uuid,
      tokenName: name,
      ...(actor === undefined ? {} : { actor }),
    });
    return { uuid: stored.uuid, name: stored.name, creationDate: stored.creationDate, token: plain };
  }

  /** The user's tokens, without their hashes. STW_USER_NOT_FOUND when unknown. */
  listTokens(userId: string): ApiTokenInfo[] {
    return this.#require(userId).config.tokens.map(({ uuid, name, creationDate }) => ({ uuid, name, creationDate }));
  }

  /** Revokes a token by uuid; STW_TOKEN_NOT_FOUND when the user has no such token. */
  async revokeToken(userId: string, uuid: string, actor?: string): Promise<void> {
    let revoked: HashedToken | undefined;
    const user = await this.#update(userId, (config) => {
      const tokens = config.tokens;
      revoked = tokens.find((t) => t.uuid === uuid);
      if (revoked === undefined) {
        return Promise.reject(new StewardError('STW_TOKEN_NOT_FOUND', `${userId} has no API token with uuid ${uuid}`));
      }
      return Promise.resolve(config.withTokens(tokens.filter((t) => t.uuid !== uuid)));
    });
    this.tokenCache.invalidateUser(idKey(user.id));
    if (revoked !== undefined) {
      await this.#audit?.record({
        type: 'token.revoked',
        userId: user.id,
        tokenUuid: revoked.uuid,
        tokenName: revoked.name,
        ...(actor === undefined ? {} : { actor }),
      });
    }
  }

  /**
   * The user when `token` is one of their API tokens. Synchronous and cheap: a cache hit costs
   * one SHA-256 and a map lookup; a miss one more SHA-256 and a constant-time comparison per
   * token of the user.
   */
  verifyToken(userId: string, token: string): User | undefined {
    const key = idKey(userId);
    const record = this.#users.get(key);
    if (record === undefined) return undefined;
    const cacheKey = TokenCache.keyOf(key, token);
    if (this.tokenCache.has(cacheKey, key)) return record.user;
    const hash = hashOfPresentedToken(token);
    if (hash === undefined) return undefined;
    let found = false;
    // No early exit: the time does not depend on which token matched.
    for (const stored of record.config.tokens) {
      if (constantTimeEqual(stored.hash, hash)) found = true;
    }
    if (!found) return undefined;
    this.tokenCache.add(cacheKey, key);
    return record.user;
  }

  /** Read-modify-write of one user's config.xml, one at a time per user. */
  #update(id: string, change: (config: UserConfig) => Promise<UserConfig>): Promise<User> {
    const key = idKey(id);
    return this.#queue.run(key, async () => {
      const record = this.#require(id);
      const config = await change(record.config);
      await this.#store.writeAtomic(`users/${record.user.directory}/config.xml`, config.text());
      // The record may have been replaced meanwhile only by this queue, so this is safe.
      this.#users.set(key, { user: record.user, config });
      return record.user;
    });
  }

  #require(id: string): UserRecord {
    const record = this.#users.get(idKey(id));
    if (record === undefined) throw new StewardError('STW_USER_NOT_FOUND', `no user named ${JSON.stringify(excerpt(id))}`);
    return record;
  }

  #saveMap(): Promise<void> {
    const map = new Map([...this.#users].map(([key, r]) => [key, r.user.directory]));
    return this.#store.writeAtomic(USERS_XML, writeUserIdMap(map));
  }
}

function checkUserId(id: string): void {
  if (!ID_PATTERN.test(id)) {
    throw new StewardError(
      'STW_NAME_INVALID',
      `user id ${JSON.stringify(excerpt(id))} is not allowed: use 1 to 64 letters, digits, '_' or '-'`,
    );
  }
  if (RESERVED_IDS.has(idKey(id))) {
    throw new StewardError('STW_NAME_INVALID', `user id ${JSON.stringify(excerpt(id))} is reserved`);
  }
}

function checkPassword(password: string): void {
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    throw new StewardError('STW_REQUEST_INVALID', `a password must have 1 to ${MAX_PASSWORD_LENGTH} characters`);
  }
}
