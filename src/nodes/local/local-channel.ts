import path from 'node:path';
import type { Readable } from 'node:stream';
import { listWorkspaceFiles, writePrivateTempFile } from '../../agent/node-files.js';
import { openFileBeneath, type HomeStore } from '../../home/index.js';
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

  writeTempFile(name: string, content: string | Uint8Array, mode = 0o400): Promise<TempFile> {
    return writePrivateTempFile(name, content, mode, this.#runAs);
  }

  listFiles(root: string, include: readonly string[], exclude: readonly string[]): Promise<string[]> {
    return listWorkspaceFiles(root, include, exclude);
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
