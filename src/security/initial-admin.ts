import { randomBytes } from 'node:crypto';

import type { Logger } from 'pino';

import type { HomeStore } from '../home/index.js';
import type { User, UserStore } from './user-store.js';

/** Where the first admin's password is written, as in Jenkins. */
export const INITIAL_ADMIN_PASSWORD_FILE = 'secrets/initialAdminPassword';
export const INITIAL_ADMIN_ID = 'admin';

/**
 * On a home without users, creates `admin` with a random password (32 hex characters), writes
 * the password to secrets/initialAdminPassword (0600) and logs once where that file is. The
 * password itself never reaches a log. Does nothing when any user exists.
 *
 * The file is written before the user is created: a crash in between leaves a file for a user
 * that does not exist (replaced at the next start), never a user whose password nobody has.
 */
export async function ensureInitialAdmin(users: UserStore, store: HomeStore, logger: Logger): Promise<User | undefined> {
  if (users.size > 0) return undefined;
  const password = randomBytes(16).toString('hex');
  await store.writeAtomic(INITIAL_ADMIN_PASSWORD_FILE, `${password}\n`, { mode: 0o600 });
  const admin = await users.createUser(INITIAL_ADMIN_ID, password, INITIAL_ADMIN_ID, 'SYSTEM');
  logger.warn(
    { user: admin.id, passwordFile: store.resolve(INITIAL_ADMIN_PASSWORD_FILE) },
    `Steward created the user ${admin.id}; its password is in ${store.resolve(INITIAL_ADMIN_PASSWORD_FILE)}`,
  );
  return admin;
}
