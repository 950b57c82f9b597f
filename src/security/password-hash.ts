import { hash as argon2Hash, verify as argon2Verify, type Algorithm, type Options } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/*
 * Password hashes as `<passwordHash>` holds them. Jenkins writes `#jbcrypt:$2a$10$...`; Steward
 * writes `#argon2id:$argon2id$v=19$...` and reads both. Anything else (a Jenkins FIPS PBKDF2
 * hash, a plain value) never verifies.
 */

export const JBCRYPT_PREFIX = '#jbcrypt:';
export const ARGON2ID_PREFIX = '#argon2id:';

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. About 20-40 ms per hash. */
const ARGON2_OPTIONS: Options = {
  algorithm: 2 as Algorithm, // Algorithm.Argon2id; a const enum, which isolatedModules cannot read
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export type HashKind = 'argon2id' | 'jbcrypt' | 'unsupported';

export function hashKind(stored: string): HashKind {
  if (stored.startsWith(ARGON2ID_PREFIX)) return 'argon2id';
  if (stored.startsWith(JBCRYPT_PREFIX)) return 'jbcrypt';
  return 'unsupported';
}

/** A new `#argon2id:` hash of the password. */
export async function hashPassword(password: string): Promise<string> {
  return ARGON2ID_PREFIX + (await argon2Hash(password, ARGON2_OPTIONS));
}

/** Whether the password matches a stored hash of either kind. Never throws on a bad hash. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    switch (hashKind(stored)) {
      case 'argon2id':
        return await argon2Verify(stored.slice(ARGON2ID_PREFIX.length), password);
      case 'jbcrypt':
        // jBCrypt writes $2a$; bcryptjs reads $2a$, $2b$ and $2y$.
        return await bcrypt.compare(password, stored.slice(JBCRYPT_PREFIX.length));
      case 'unsupported':
        return false;
    }
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Verifies against a fixed hash and returns false: an unknown user costs as much as a known one,
 * so response times do not tell which user ids exist.
 */
export async function verifyDummy(password: string): Promise<false> {
  dummy ??= hashPassword('steward-dummy-password-for-unknown-users');
  await verifyPassword(await dummy, password);
  return false;
}
