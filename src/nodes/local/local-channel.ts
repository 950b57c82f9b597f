import path from 'node:path';
import type { Readable } from 'node:stream';
import { listWorkspaceFiles, writePrivateTempFile } from '../../agent/node-files.js';
import { openFileBeneath, type HomeStore } from '../../home/index.js';
import type { LaunchOptions, NodeChannel, RefusedFile, StepProcess, TempFile } from '../channel.js';
import type { Launcher, RunAs } from './launcher.js';
import { PreparedWorkspaces } from '../prepared-workspaces.js';

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

  /** Workspaces this channel handed over to the build user, so that it is not walked again. */
  readonly #handedOver = new Set<string>();
  readonly #prepared = new PreparedWorkspaces((job) => this.#make(job));

  /**
   * `workspace/JOB` in the home, as Jenkins keeps the built-in node's workspaces; made (and handed
   * over to the build user) when it is not there.
   */
  workspace(job: string): Promise<string> {
    return this.#prepared.take(job);
  }

  /** Makes the workspace while the build's number and record are made durable. */
  prepareWorkspace(job: string): void {
    this.#prepared.prepare(job);
  }

  async #make(job: string): Promise<string> {
    const rel = path.join('workspace', job);
    const created = await this.#store.mkdir(rel);
    if (this.#runAs !== undefined && (created || !this.#handedOver.has(rel))) {
      await this.#store.handOver(rel, this.#runAs);
      this.#handedOver.add(rel);
    }
    return this.#store.resolve(rel);
  }

  readonly launchesEarly = true;

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
