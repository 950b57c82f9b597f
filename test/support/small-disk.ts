import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, stat, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Filling writes in chunks of this size; what is left free at the end is below it. */
const CHUNK = 64 * 1024;

/**
 * A real file system of a few megabytes (a tmpfs mounted on a temporary folder) whose disk a test
 * fills up and frees again: writes there fail with ENOSPC, as on a full disk. Mounting needs
 * root, as CI runs the tests; elsewhere `mount` throws saying so, and the test fails with that
 * reason rather than pass without having run.
 */
export class SmallDisk implements AsyncDisposable {
  readonly dir: string;
  /** The file that takes the space; under `dir`, outside any home made in `home()`. */
  readonly ballast: string;

  private constructor(dir: string) {
    this.dir = dir;
    this.ballast = path.join(dir, 'ballast');
  }

  static async mount(sizeBytes: number): Promise<SmallDisk> {
    if (process.getuid?.() !== 0) {
      throw new Error(
        `this test mounts a ${sizeBytes}-byte tmpfs to fill its disk, which needs root (CI runs the tests as root); running as uid ${process.getuid?.() ?? '?'}`,
      );
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'steward-small-disk-'));
    try {
      await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`could not mount a tmpfs on ${dir}: ${(err as Error).message}`, { cause: err });
    }
    return new SmallDisk(dir);
  }

  /** A folder on the disk for a home. */
  home(name = 'home'): string {
    return path.join(this.dir, name);
  }

  /**
   * Writes the ballast until the disk refuses (ENOSPC), then gives back `leaveBytes` (rounded to
   * the file system's pages), so that the next larger write fills the disk part way.
   */
  async fill(leaveBytes = 0): Promise<void> {
    const handle = await open(this.ballast, 'a');
    const chunk = Buffer.alloc(CHUNK, 0x61);
    try {
      for (;;) {
        try {
          await handle.write(chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
      // The last chunk may have gone in part: try smaller writes so that nothing is left free.
      for (let size = CHUNK / 2; size >= 512; size /= 2) {
        try {
          await handle.write(chunk.subarray(0, size));
          size *= 2;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        }
      }
    } finally {
      await handle.close();
    }
    if (leaveBytes > 0) {
      const { size } = await stat(this.ballast);
      await truncate(this.ballast, Math.max(0, size - leaveBytes));
    }
  }

  /** Removes the ballast: the disk has room again. */
  async free(): Promise<void> {
    await rm(this.ballast, { force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await run('umount', ['-l', this.dir]).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
