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

/** True for `secrets` and everything under it (folders 0700, files 0600 by default). */
export function isSecretPath(root: string, abs: string): boolean {
  const rel = relative(root, abs);
  return rel === 'secrets' || rel.startsWith(`secrets${sep}`);
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
