/**
 * The file work an agent does for its controller (a node's channel): workspaces under the work
 * dir, private temporary files, workspace listings, and files read back as file frames with
 * their SHA-256, at most FILE_WINDOW bytes ahead of the controller's fileAcks.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { FRAME_FILE, frameHeader, type AgentMessage, type ControllerMessage, type Unversioned } from '../agent-protocol/index.js';
import { openFileBeneath } from '../home/index.js';
import { listWorkspaceFiles, writePrivateTempFile, type PrivateTempFile } from './node-files.js';

/** The controller's requests that get a reply. */
export type FileRequest = Exclude<Extract<ControllerMessage, { req: number }>, { type: 'fileAck' }>;

/** Bytes of a file read sent ahead of the controller's acknowledgements. */
const FILE_WINDOW = 1024 * 1024;

interface FileRead {
  acked: number;
  sent: number;
  resume: (() => void) | undefined;
  cancel: () => void;
}

export class AgentFiles {
  readonly #workDir: string;
  readonly #temps = new Map<string, PrivateTempFile>();
  readonly #reads = new Map<number, FileRead>();

  constructor(workDir: string) {
    this.#workDir = workDir;
  }

  /** Does what `m` asks; the reply to send (with why, when it failed). File bytes go to `sendBinary` first. */
  async answer(m: FileRequest, sendBinary: (data: Buffer) => void): Promise<Unversioned<AgentMessage>> {
    try {
      return { type: 'reply', req: m.req, ok: true, value: await this.#do(m, sendBinary) };
    } catch (err) {
      return { type: 'reply', req: m.req, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** The controller took a file's bytes up to `offset`. */
  fileAck(req: number, offset: number): void {
    const read = this.#reads.get(req);
    if (read !== undefined && offset > read.acked) {
      read.acked = offset;
      if (read.sent - read.acked < FILE_WINDOW) read.resume?.();
    }
  }

  /** The connection is gone: reads under way stop. */
  cancelReads(): void {
    for (const read of this.#reads.values()) read.cancel();
    this.#reads.clear();
  }

  /** Removes the temporary files still there. */
  async close(): Promise<void> {
    this.cancelReads();
    for (const file of this.#temps.values()) await file.remove().catch(() => undefined);
    this.#temps.clear();
  }

  async #do(m: FileRequest, sendBinary: (data: Buffer) => void): Promise<Record<string, unknown>> {
    switch (m.type) {
      case 'workspace': {
        if (m.job === '' || m.job === '.' || m.job === '..' || m.job.includes('/') || m.job.includes('\0')) {
          throw new Error(`a job name cannot be a folder path: ${JSON.stringify(m.job)}`);
        }
        const dir = path.join(this.#workDir, 'workspace', m.job);
        await mkdir(dir, { recursive: true });
        return { path: dir };
      }
      case 'writeTemp': {
        const file = await writePrivateTempFile(m.name, Buffer.from(m.content, 'base64'), m.mode, undefined);
        this.#temps.set(file.path, file);
        return { path: file.path };
      }
      case 'removeTemp': {
        const file = this.#temps.get(m.path);
        this.#temps.delete(m.path);
        await file?.remove();
        return {};
      }
      case 'listFiles':
        return { files: await listWorkspaceFiles(m.root, m.include, m.exclude) };
      case 'readFile':
        return this.#readFile(m.req, m.root, m.path, sendBinary);
    }
  }

  async #readFile(req: number, root: string, relative: string, sendBinary: (data: Buffer) => void): Promise<Record<string, unknown>> {
    const file = await openFileBeneath(root, relative);
    if ('refused' in file) return { refused: file.refused };
    const hash = createHash('sha256');
    const stream = file.createReadStream({ highWaterMark: 64 * 1024 });
    const read: FileRead = { acked: 0, sent: 0, resume: undefined, cancel: () => stream.destroy(new Error('the connection to the controller was lost')) };
    this.#reads.set(req, read);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        sendBinary(Buffer.concat([frameHeader(FRAME_FILE, String(req), read.sent), chunk]));
        read.sent += chunk.length;
        if (read.sent - read.acked >= FILE_WINDOW) await new Promise<void>((resolve) => (read.resume = resolve));
        read.resume = undefined;
      }
    } finally {
      this.#reads.delete(req);
      await file.close().catch(() => undefined);
    }
    return { size: read.sent, sha256: hash.digest('hex') };
  }
}
