/**
 * The file work of a node's channel done on the node's own machine, shared by the built-in node
 * (src/nodes/local/local-channel.ts) and `steward agent`: temporary files only the steps' user can
 * read, and listing a workspace's files without following links.
 */
import { lchown, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { removeTreeNoFollow } from '../home/index.js';

/** A file written by {@link writePrivateTempFile}. */
export interface PrivateTempFile {
  readonly path: string;
  /** Removes it and its folders, without following a link the steps put there. */
  remove(): Promise<void>;
}

/**
 * Writes `content` to a new file `name` in a new folder of its own under the system's temporary
 * folder (`steward-XXXXXX/f/name`), readable by `owner` (when given, else this process's user)
 * only. `mode` is the file's.
 */
export async function writePrivateTempFile(
  name: string,
  content: string | Uint8Array,
  mode: number,
  owner: { uid: number; gid: number } | undefined,
): Promise<PrivateTempFile> {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new Error(`a temporary file's name must be a plain file name, not ${JSON.stringify(name)}`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'steward-'));
  const remove = (): Promise<void> => removeTreeNoFollow(dir);
  try {
    const folder = path.join(dir, 'f');
    await mkdir(folder, { mode: 0o700 });
    const file = path.join(folder, name);
    await writeFile(file, content, { mode, flag: 'wx' });
    // The steps' user reads it; no other user can. A process the steps leave running may later
    // swap the folder for a link: remove() does not follow links.
    if (owner !== undefined) for (const p of [dir, folder, file]) await lchown(p, owner.uid, owner.gid);
    return { path: file, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/**
 * The regular files beneath `root` whose relative paths match one of `include` and none of
 * `exclude`, found without following links, sorted.
 */
export async function listWorkspaceFiles(root: string, include: readonly string[], exclude: readonly string[]): Promise<string[]> {
  const files = await glob([...include], { cwd: root, ignore: [...exclude], onlyFiles: true, dot: false, followSymbolicLinks: false });
  return files.sort();
}
