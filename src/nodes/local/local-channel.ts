import { lchown, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { glob } from 'tinyglobby';
import { openFileBeneath, removeTreeNoFollow, type HomeStore } from '../../home/index.js';
import type { LaunchOptions, NodeChannel, RefusedFile, StepProcess, TempFile } from '../channel.js';
import type { Launcher, RunAs } from './launcher.js';

/**
 * The built-in node's channel: steps start through the launcher process, workspaces are folders of
 * the home (made through the home store, and handed to the build user when steps run as one),
 * temporary files go to this machine's temporary folder.
 */
export class LocalChannel implements NodeChannel {
  readonly #store: HomeStore;
  readonly #launcher: Launcher;
  readonly #runAs: RunAs | undefined;

  constructor(store: HomeStore, launcher: Launcher, runAs: RunAs | undefined) {
    this.#store = store;
    this.#launcher = launcher;
    this.#runAs = runAs;
  }

  /** `workspace/JOB` in the home, as Jenkins keeps the built-in node's workspaces. */
  async workspace(job: string): Promise<string> {
    const rel = path.join('workspace', job);
    await this.#store.mkdir(rel);
    if (this.#runAs !== undefined) await this.#store.handOver(rel, this.#runAs);
    return this.#store.resolve(rel);
  }

  launch(opts: LaunchOptions): StepProcess {
    return this.#launcher.spawn(opts);
  }

  async writeTempFile(name: string, content: string | Uint8Array, mode = 0o400): Promise<TempFile> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'steward-'));
    const remove = (): Promise<void> => removeTreeNoFollow(dir);
    try {
      const folder = path.join(dir, 'f');
      await mkdir(folder, { mode: 0o700 });
      const file = path.join(folder, name);
      await writeFile(file, content, { mode, flag: 'wx' });
      const owner = this.#runAs;
      // The steps' user reads it; no other user can. A process the steps leave running may later
      // swap the folder for a link: remove() does not follow links.
      if (owner !== undefined) for (const p of [dir, folder, file]) await lchown(p, owner.uid, owner.gid);
      return { path: file, remove };
    } catch (err) {
      await remove();
      throw err;
    }
  }

  async listFiles(root: string, include: readonly string[], exclude: readonly string[]): Promise<string[]> {
    const files = await glob([...include], { cwd: root, ignore: [...exclude], onlyFiles: true, dot: false, followSymbolicLinks: false });
    return files.sort();
  }

  async readFile(
    root: string,
    relativePath: string,
    consume: (bytes: Readable) => Promise<void>,
  ): Promise<{ read: true } | { read: false; refused: RefusedFile }> {
    const file = await openFileBeneath(root, relativePath);
    if ('refused' in file) return { read: false, refused: file.refused };
    try {
      await consume(file.createReadStream({ autoClose: false }));
    } finally {
      await file.close();
    }
    return { read: true };
  }
}
