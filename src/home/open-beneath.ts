import { constants } from 'node:fs';
import { open, readdir, rmdir, unlink, type FileHandle } from 'node:fs/promises';

import { errnoCode } from './io-error.js';

/*
 * Paths inside a folder that another user owns (a workspace of the build user) can change between
 * two system calls: a folder can become a symbolic link to secrets/ after it was listed. Node has
 * no openat(), so each step goes through /proc/self/fd/N of the folder opened before it: the
 * kernel resolves that to the open folder itself, not to its name, and O_NOFOLLOW refuses the
 * next component if it is a link. A path opened this way is beneath its root when it was opened,
 * whatever the other user renamed meanwhile. Linux only, as Steward is.
 */

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;
// O_NONBLOCK: a FIFO put where a folder was must not make the open wait.
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK;

/** Why a path beneath a folder was not opened. */
export type RefusedPath = { readonly refused: 'link' | 'missing' | 'not-a-file' };

/** A path of `handle`'s folder that names `name` in it without resolving the folder's path again. */
export function entryOf(dir: FileHandle, name: string): string {
  return `/proc/self/fd/${dir.fd}/${name}`;
}

/** Opens the folder `root` itself, refusing a link in its last component. */
export function openDirNoFollow(root: string): Promise<FileHandle> {
  return open(root, DIR_FLAGS);
}

/** Opens the folder `name` of the open folder `dir`; undefined when `name` is not a folder (or a link). */
export async function openChildDir(dir: FileHandle, name: string): Promise<FileHandle | undefined> {
  try {
    return await open(entryOf(dir, name), DIR_FLAGS);
  } catch (err) {
    if (refusal(err) !== undefined) return undefined;
    throw err;
  }
}

/**
 * Opens the regular file `relative` (slash-separated, no `.` or `..`) beneath the folder `root`
 * for reading, following no link at any level. A FIFO or device is refused without blocking.
 */
export async function openFileBeneath(root: string, relative: string): Promise<FileHandle | RefusedPath> {
  const parts = relative.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return { refused: 'link' };
  let dir: FileHandle;
  try {
    dir = await openDirNoFollow(root);
  } catch (err) {
    const why = refusal(err);
    if (why === undefined) throw err;
    return { refused: why };
  }
  try {
    for (const part of parts.slice(0, -1)) {
      let next: FileHandle;
      try {
        next = await open(entryOf(dir, part), DIR_FLAGS);
      } catch (err) {
        const why = refusal(err);
        if (why === undefined) throw err;
        return { refused: why };
      }
      await dir.close();
      dir = next;
    }
    let file: FileHandle;
    try {
      file = await open(entryOf(dir, parts[parts.length - 1] ?? ''), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (err) {
      const why = refusal(err);
      if (why === undefined) throw err;
      return { refused: why };
    }
    if (!(await file.stat()).isFile()) {
      await file.close();
      return { refused: 'not-a-file' };
    }
    return file;
  } finally {
    await dir.close();
  }
}

/** What an open error means for a path beneath a folder; undefined for an error to pass on. */
function refusal(err: unknown): RefusedPath['refused'] | undefined {
  switch (errnoCode(err)) {
    // O_NOFOLLOW on a link gives ELOOP; O_DIRECTORY on a link or a file gives ENOTDIR.
    case 'ELOOP':
    case 'ENOTDIR':
      return 'link';
    case 'ENOENT':
      return 'missing';
    case 'ENXIO': // a socket
    case 'EISDIR':
      return 'not-a-file';
    default:
      return undefined;
  }
}

/**
 * Removes the folder `abs` and everything in it, following no link: each folder is opened with
 * O_NOFOLLOW and its entries are removed through the open folder, so a folder swapped for a link
 * meanwhile loses the link, never what it leads to. What another user's process keeps adding or
 * moving while this runs may stay behind; a missing `abs` is no error.
 */
export async function removeTreeNoFollow(abs: string): Promise<void> {
  let dir: FileHandle;
  try {
    dir = await openDirNoFollow(abs);
  } catch (err) {
    const why = refusal(err);
    if (why === 'missing') return;
    if (why === 'link') return ignoreRace(unlink(abs));
    throw err;
  }
  try {
    await removeEntries(dir);
  } finally {
    await dir.close();
  }
  await ignoreRace(rmdir(abs));
}

async function removeEntries(dir: FileHandle): Promise<void> {
  for (const name of await readdir(entryOf(dir, '.'))) {
    const child = await openChildDir(dir, name);
    if (child === undefined) {
      await ignoreRace(unlink(entryOf(dir, name)));
      continue;
    }
    try {
      await removeEntries(child);
    } finally {
      await child.close();
    }
    await ignoreRace(rmdir(entryOf(dir, name)));
  }
}

/** A removal that lost a race with another process (gone, swapped, refilled) leaves the entry. */
async function ignoreRace(removal: Promise<void>): Promise<void> {
  try {
    await removal;
  } catch (err) {
    if (!['ENOENT', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(errnoCode(err) ?? '')) throw err;
  }
}
