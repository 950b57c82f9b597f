import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

import type { HomeStore } from '../../home/index.js';
import { decodeBase64Strict } from './base64.js';
import { invalidKeyFile } from './errors.js';

/** The master key's file in the home. */
export const MASTER_KEY_PATH = 'secrets/steward.key';
/** Bytes in the master key (AES-256). */
export const MASTER_KEY_BYTES = 32;

let bytesOf: (key: MasterKey) => Buffer;

/**
 * Steward's master key: 32 random bytes kept in `secrets/steward.key` as one line of base64 (0600,
 * in the 0700 `secrets/` folder). It encrypts the Secret values of configuration files. Its bytes
 * are reachable only from this part; printing or serialising a MasterKey shows no key material.
 */
export class MasterKey {
  readonly #bytes: Buffer;

  static {
    bytesOf = (key) => key.#bytes;
  }

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  /**
   * Reads `secrets/steward.key`, creating it with fresh random bytes when it does not exist. A
   * file that exists but is not a 32-byte key is refused (STW_SECRET_KEY_INVALID), never replaced:
   * replacing it would make every value encrypted with it unreadable.
   */
  static async load(store: HomeStore): Promise<MasterKey> {
    const existing = await store.readText(MASTER_KEY_PATH);
    if (existing !== undefined) return MasterKey.#parse(existing);
    await store.writeAtomic(MASTER_KEY_PATH, `${randomBytes(MASTER_KEY_BYTES).toString('base64')}\n`, { mode: 0o600 });
    // Read back what is on disk, so that two loads racing on the first start end with one key.
    const written = await store.readText(MASTER_KEY_PATH);
    if (written === undefined) throw invalidKeyFile(MASTER_KEY_PATH, 'the key file vanished right after it was written');
    return MasterKey.#parse(written);
  }

  /** A key from 32 bytes (a copy is kept); for tests and tools. */
  static fromBytes(bytes: Uint8Array): MasterKey {
    if (bytes.length !== MASTER_KEY_BYTES) {
      throw new RangeError(`a master key has ${MASTER_KEY_BYTES} bytes, not ${bytes.length}`);
    }
    return new MasterKey(Buffer.from(bytes));
  }

  static #parse(text: string): MasterKey {
    const bytes = decodeBase64Strict(text.trim());
    if (bytes === undefined || bytes.length !== MASTER_KEY_BYTES) {
      throw invalidKeyFile(
        MASTER_KEY_PATH,
        `the master key file does not hold ${MASTER_KEY_BYTES} bytes of base64; restore it from a backup ` +
          '(values encrypted with the lost key cannot be read without it)',
      );
    }
    return new MasterKey(bytes);
  }

  toJSON(): string {
    return 'MasterKey(redacted)';
  }

  toString(): string {
    return 'MasterKey(redacted)';
  }

  [inspect.custom](): string {
    return 'MasterKey(redacted)';
  }
}

/** The key's bytes; internal to this part (not exported by its index). */
export function masterKeyBytes(key: MasterKey): Buffer {
  return bytesOf(key);
}
