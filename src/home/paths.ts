import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

import { StewardError } from '../errors/index.js';

/**
 * Resolves a home-relative path to an absolute one, refusing anything that leaves the home
 * (`..`, absolute paths, NUL bytes). Symbolic links inside the home are not resolved.
 */
export function resolveInHome(root: string, rel: string): string {
  if (rel.includes('\0') || isAbsolute(rel)) throw outsideHome(rel);
  const abs = resolve(root, rel);
  const back = relative(root, abs);
  if (back === '..' || back.startsWith(`..${sep}`) || isAbsolute(back)) throw outsideHome(rel);
  return abs;
}

function outsideHome(rel: string): StewardError {
  return new StewardError(
    'STW_HOME_IO',
    `the path ${JSON.stringify(rel)} is outside the home; home paths are relative and stay inside it`,
    { file: rel },
  );
}

/**
 * What no process but the controller may read: the keys (`secrets/`), the users with their password
 * and token hashes (`users/`), the audit log (`logs/`), the credentials store, and the queue
 * (sealed password parameters). Builds on the built-in node run as another user when they can,
 * and these paths keep them out: folders 0700, files 0600.
 */
export const PRIVATE_PATHS = ['secrets', 'users', 'logs', 'credentials.xml', 'queue.xml'] as const;

/** True for a private path and everything under it (folders 0700, files 0600 by default). */
export function isPrivatePath(root: string, abs: string): boolean {
  const rel = relative(root, abs);
  return PRIVATE_PATHS.some((p) => rel === p || rel.startsWith(`${p}${sep}`));
}

/** `<dir>/.<name>.tmp-<12 hex>`: in the target's folder, so that rename(2) over it is atomic. */
export function tempPathFor(abs: string): string {
  return join(dirname(abs), `.${basename(abs)}.tmp-${randomBytes(6).toString('hex')}`);
}

/** What tempPathFor adds to a name: the leading `.` and `.tmp-` with 12 hex digits. */
const TEMP_NAME_EXTRA_BYTES = '.'.length + '.tmp-'.length + 12;

/**
 * The longest name, in UTF-8 bytes, a file or folder of the home may be given from outside (a job
 * name): Linux file systems allow 255 bytes per name, and the temporary name of an atomic write
 * must fit too.
 */
export const MAX_NAME_BYTES = 255 - TEMP_NAME_EXTRA_BYTES;

const TEMP_NAME = /^\..+\.tmp-[0-9a-f]{12}$/;

/** Whether a folder entry is a write in flight (or left by a writer that crashed). */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}
