import type { Readable } from 'node:stream';
import { closeSync, fchmodSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

import { fsyncCount, fsyncDir } from './durable.js';
import { errnoCode } from './io-error.js';
import { tempPathFor } from './paths.js';
import { auditClock } from './write-audit.js';

export interface AtomicWriteOptions {
  /** Mode of the new file, set exactly (umask does not apply). Default: 0666 less the umask. */
  mode?: number;
  /** Creates the target's folder (and missing parents) when it is missing. */
  makeParent(dir: string): unknown;
  /** Last full check before the new content becomes visible; a throw leaves the target untouched. */
  beforePublish(): Promise<void>;
  /**
   * The very last check, made synchronously just before the rename (see writeFileAtomic); a throw
   * leaves the target untouched.
   */
  publishing(): void;
  /** Told right after the rename that made the new content visible, with the time it was started. */
  published?: (startedAt: number) => void;
}

/**
 * Replaces `abs` with `data` so that a reader (or a crash) sees the old content or the new, never
 * a mix: temp file in the same folder, write, fsync, close, rename over the target, fsync the
 * folder. On failure the temp file is removed and the target is as it was.
 */
export async function writeFileAtomic(
  abs: string,
  data: string | Buffer | Readable,
  opts: AtomicWriteOptions,
): Promise<void> {
  const temp = tempPathFor(abs);
  const dir = dirname(abs);
  try {
    let handle;
    try {
      handle = await open(temp, 'wx', opts.mode ?? 0o666);
    } catch (err) {
      // The common case, an existing folder, costs no extra system call.
      if (errnoCode(err) !== 'ENOENT') throw err;
      await opts.makeParent(dir);
      handle = await open(temp, 'wx', opts.mode ?? 0o666);
    }
    try {
      if (opts.mode !== undefined) await handle.chmod(opts.mode);
      if (typeof data === 'string' || Buffer.isBuffer(data)) {
        await handle.writeFile(data);
      } else {
        for await (const chunk of data) await handle.write(chunk as Buffer);
      }
      fsyncCount.value++;
      await handle.sync();
    } finally {
      await handle.close();
    }
    await opts.beforePublish();
    // The check and the rename run in one go on this thread: an asynchronous rename would wait
    // in libuv's thread pool, where a pause of the process (SIGSTOP, a frozen VM) past the lease's
    // TTL could fall after the check and let the rename land once a new controller has taken over.
    // Now only the microseconds between the check and the system call are exposed.
    opts.publishing();
    const startedAt = opts.published === undefined ? 0 : auditClock();
    renameSync(temp, abs);
    opts.published?.(startedAt);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
}

/**
 * The write-back of a small file the home's journal made durable (journal.ts): the same atomic
 * replacement without the fsyncs, made synchronously. A few system calls on a file in the page
 * cache cost less than the round trips through libuv's thread pool, and nothing can come between
 * the fence's check (`publishing`) and the rename.
 */
export function writeSmallFileAtomicSync(abs: string, content: string, opts: Omit<AtomicWriteOptions, 'beforePublish'>): void {
  const temp = tempPathFor(abs);
  try {
    let fd: number;
    try {
      fd = openSync(temp, 'wx', opts.mode ?? 0o666);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      opts.makeParent(dirname(abs));
      fd = openSync(temp, 'wx', opts.mode ?? 0o666);
    }
    try {
      if (opts.mode !== undefined) fchmodSync(fd, opts.mode);
      const data = Buffer.from(content, 'utf8');
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
    } finally {
      closeSync(fd);
    }
    opts.publishing();
    const startedAt = opts.published === undefined ? 0 : auditClock();
    renameSync(temp, abs);
    opts.published?.(startedAt);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
