import type { Readable } from 'node:stream';
import { closeSync, constants as fsConstants, mkdirSync, openSync, renameSync } from 'node:fs';
import { chmod, lchown, lstat, open, readdir, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';

import type { Logger } from 'pino';

import { StewardError } from '../errors/index.js';
import { APPEND_FENCE_CACHE_MS, FileAppendLog, type AppendLog, type DiskReport } from './append-log.js';
import { writeFileAtomic, writeSmallFileAtomicSync } from './atomic-write.js';
import { openFileRange, openForReading, type FileRange } from './file-range.js';
import { entryOf, openChildDir, openDirNoFollow } from './open-beneath.js';
import { fsyncCount, fsyncDir } from './durable.js';
import type { Fence } from './fence.js';
import { errnoCode, homeIoError, isDiskTrouble, isMissing, type DiskTrouble } from './io-error.js';
import { JOURNAL_DIR, Journal, readJournal, segmentSeq, syncFileSystem, type JournalChange, type JournalNote, type JournalOptions } from './journal.js';
import { PRIVATE_PATHS, isPrivatePath, isTempName, resolveInHome } from './paths.js';
import { RotatingAppendLog, type RotationOptions } from './rotating-log.js';
import { KeyedSerializer } from './serial.js';
import { auditClock, type WriteAudit, type WriteOperation } from './write-audit.js';

const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

/** Who a folder is handed over to: the user builds on the built-in node run as. */
export interface FolderOwner {
  readonly uid: number;
  readonly gid: number;
}

/**
 * What the last writes found of the home's disk: writable, or refusing writes as a whole (full, or
 * failing) since `since` (ms since the epoch) with the first error that said so.
 */
export type HomeHealth =
  | { readonly writable: true }
  | { readonly writable: false; readonly trouble: DiskTrouble; readonly error: StewardError; readonly since: number };

/** The file `checkWritable` writes. */
export const WRITE_CHECK_FILE = '.steward/write-check';

export interface HomeStoreOptions {
  /** The home folder. */
  root: string;
  /** Asked before every write; see leaseFence. */
  fence: Fence;
  logger: Logger;
  /** Told of every completed write, with the writer's epoch (STEWARD_WRITE_AUDIT); none by default. */
  audit?: WriteAudit;
  /** When the journal checkpoints (tests); see Journal. */
  journal?: JournalOptions;
}

/** A small file's new content, made durable by the home's journal ({@link HomeStore.commit}). */
export interface JournaledWrite {
  readonly path: string;
  readonly content: string;
}

/**
 * The only writer of the home. Paths are relative to the home (`jobs/NAME/config.xml`) and may not
 * leave it. Every write asks the fence first and a refused write changes nothing; file writes are
 * atomic and durable (temp file, fsync, rename, fsync of the folder). Reads are plain and unfenced.
 * Under the private paths (`secrets/`, `users/`, `logs/`, `credentials.xml`, `queue.xml`), folders
 * are created 0700 and files 0600 unless a mode is given, on every rewrite too.
 */
export class HomeStore {
  readonly root: string;
  readonly #fence: Fence;
  readonly #log: Logger;
  readonly #writes = new KeyedSerializer();
  #health: HomeHealth = { writable: true };
  readonly #healthListeners = new Set<(health: HomeHealth) => void>();
  /** Given to append logs: they report their failures and successes as the store's own writes do. */
  readonly #report: DiskReport = { troubled: (err) => this.#troubled(err), wrote: () => this.#wrote() };
  readonly #audit: WriteAudit | undefined;
  readonly #journalOptions: JournalOptions | undefined;
  #journal: Promise<Journal> | undefined;
  #fenceCheckedAt = Number.NEGATIVE_INFINITY;

  constructor(opts: HomeStoreOptions) {
    this.root = resolvePath(opts.root);
    this.#fence = opts.fence;
    this.#log = opts.logger.child({ component: 'home' });
    this.#audit = opts.audit;
    this.#journalOptions = opts.journal;
  }

  /** fsyncs of home files made by this process so far (every store's together). */
  get fsyncs(): number {
    return fsyncCount.value;
  }

  /** Group commits of the journal so far (each one fsync). */
  get journalCommits(): number {
    return this.#journalNow?.commits ?? 0;
  }

  #journalNow: Journal | undefined;

  /**
   * Opens the home's journal: what segments a controller that stopped left behind is written again
   * into the files that lost it (after a crash of the machine, the files written back without an
   * fsync may be older than their journal), durably, and those segments are removed. The active
   * controller calls it once it holds the lease, before anything reads a build; `commit` opens it
   * itself the first time otherwise.
   */
  openJournal(): Promise<Journal> {
    this.#journal ??= this.#replayJournal();
    return this.#journal;
  }

  async #replayJournal(): Promise<Journal> {
    const names = (await this.listDir(JOURNAL_DIR)).filter((n) => segmentSeq(n) !== undefined);
    const texts: string[] = [];
    for (const name of names) texts.push((await this.readText(`${JOURNAL_DIR}/${name}`)) ?? '');
    const { files, notes, paths, records, torn } = readJournal(texts);
    let restored = 0;
    // Compared 32 at a time: after a kill of the controller its files are all there, and reading
    // them is what a promotion waits for.
    const entries = [...files];
    for (let i = 0; i < entries.length; i += 32) {
      const differ = await Promise.all(entries.slice(i, i + 32).map(async ([rel, content]) => ((await this.readText(rel)) === content ? undefined : rel)));
      for (const rel of differ) {
        if (rel === undefined) continue;
        await this.#writeBack(rel, this.#resolveWritable(rel), files.get(rel) as string);
        restored++;
      }
    }
    // Durable together with one syncfs, rather than an fsync or two a file: after a crash of the
    // machine there may be thousands.
    if (restored > 0) {
      await this.#fence.assertWritable();
      await syncFileSystem(this.root);
    }
    this.#replayedNotes = notes;
    if (names.length > 0) {
      this.#log.info({ segments: names.length, records, restored, notes: notes.length, torn }, `read the home's journal left by the last controller: ${records} change(s), ${restored} file(s) written again${torn > 0 ? `, ${torn} change(s) cut short by the crash left out (never acknowledged)` : ''}`);
    }
    const last = names.length === 0 ? 0 : (segmentSeq(names.at(-1) as string) as number);
    const journal = new Journal(
      {
        openSegment: (rel) => this.openAppend(rel, { wholeRecords: true }),
        removeSegment: (rel) => this.#mutate('remove', rel, 'remove', () => rm(this.resolve(rel), { force: true }), { cachedFence: true }),
        syncFileSystem: async () => {
          await this.#fence.assertWritable();
          await syncFileSystem(this.root);
        },
      },
      this.#log,
      last + 1,
      names.map((name, i) => ({ rel: `${JOURNAL_DIR}/${name}`, paths: paths[i] ?? new Set<string>() })),
      this.#journalOptions,
    );
    this.#journalNow = journal;
    return journal;
  }

  #replayedNotes: JournalNote[] = [];

  /**
   * The notes named `note` that the journal left by the last controller holds, in order (see
   * JournalNote); they stay in its segments until the first checkpoint, whose hooks save them.
   */
  replayedNotes(note: string): unknown[] {
    return this.#replayedNotes.filter((n) => n.note === note).map((n) => n.value);
  }

  /** Adds `note` to the journal's next commit, or commits it alone after `maxDelayMs` (see Journal.noteLater). */
  noteLater(note: JournalNote, maxDelayMs: number): void {
    void this.openJournal().then((j) => j.noteLater(note, maxDelayMs), () => undefined);
  }

  /** Runs `hook` at each checkpoint of the journal, before the segments whose notes it saves go. */
  async beforeCheckpoint(hook: () => Promise<void>): Promise<void> {
    (await this.openJournal()).beforeCheckpoint(hook);
  }

  /**
   * Replaces small files (a build's record, nextBuildNumber) durably through the home's journal:
   * the files are written at once, atomically but without fsync, and the changes are appended to
   * the journal, whose one fsync is shared by every commit made meanwhile (the group commit).
   * Resolves once both are done; then the changes survive a crash of the process or the machine.
   * `notes` go in the same record (see JournalNote).
   */
  async commit(writes: readonly JournaledWrite[], notes: readonly JournalNote[] = []): Promise<void> {
    const changes: JournalChange[] = [...notes];
    const targets: { rel: string; abs: string; content: string }[] = [];
    for (const w of writes) {
      targets.push({ rel: w.path, abs: this.#resolveWritable(w.path), content: w.content });
      changes.push({ write: w.path, content: w.content });
    }
    const journal = await this.openJournal();
    await journal.commit(changes, async () => {
      await Promise.all(targets.map((t) => this.#writeBack(t.rel, t.abs, t.content)));
    });
  }

  /**
   * Replaces a file atomically, without fsync and without the journal: for a file that can be made
   * again from others (builds/permalinks, a cache Jenkins keeps). It reaches the disk with the next
   * checkpoint of the journal.
   */
  writeLazy(rel: string, content: string): Promise<void> {
    let abs: string;
    try {
      abs = this.#resolveWritable(rel);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#writeBack(rel, abs, content);
  }

  #writeBack(rel: string, abs: string, content: string): Promise<void> {
    const secret = isPrivatePath(this.root, abs);
    return this.#writes.run(abs, async () => {
      await this.#mutate(
        'write',
        rel,
        undefined,
        () => {
          writeSmallFileAtomicSync(abs, content, {
            ...(secret ? { mode: PRIVATE_FILE_MODE } : {}),
            makeParent: (dir) => this.#makeDir(dir, secret ? PRIVATE_DIR_MODE : undefined),
            publishing: () => this.#fence.assertHeld(),
            ...(this.#audit === undefined ? {} : { published: (startedAt: number) => this.#audit?.record('write', rel, startedAt) }),
          });
          return Promise.resolve();
        },
        { cachedFence: true },
      );
      this.#wrote();
    });
  }

  /** The journal's last checkpoint, then closes it: the next start has nothing to replay. */
  async close(): Promise<void> {
    const journal = this.#journal;
    this.#journal = undefined;
    if (journal !== undefined) await (await journal.catch(() => undefined))?.close();
  }

  /**
   * The fence as an append checks it: whether the lease is held every time, the epoch file at most
   * every APPEND_FENCE_CACHE_MS (see append-log.ts for why that is safe).
   */
  #assertWritableCached(): Promise<void> {
    try {
      this.#fence.assertHeld();
    } catch (err) {
      return Promise.reject(err);
    }
    if (performance.now() - this.#fenceCheckedAt < APPEND_FENCE_CACHE_MS) return Promise.resolve();
    // One read of the epoch file at a time, whoever asks: a build starting asks several times.
    this.#fenceCheck ??= (async () => {
      const now = performance.now();
      try {
        await this.#fence.assertWritable();
        this.#fenceCheckedAt = now;
      } finally {
        this.#fenceCheck = undefined;
      }
    })();
    return this.#fenceCheck;
  }

  #fenceCheck: Promise<void> | undefined;

  /**
   * The fence as every append log and write-back asks it: held checked each time, the epoch file
   * read once for all of them every APPEND_FENCE_CACHE_MS.
   */
  readonly #sharedFence: Fence = {
    assertHeld: () => this.#fence.assertHeld(),
    assertWritable: () => this.#assertWritableCached(),
  };

  /**
   * Whether the home's disk takes writes, as the last write found it. It turns unwritable when a
   * write fails because the disk is full (ENOSPC, EDQUOT) or failing (EIO, EROFS), and writable
   * again with the next file written or appended to. A write that fails for one file's own sake
   * (a permission, a missing folder) does not change it.
   */
  get health(): HomeHealth {
    return this.#health;
  }

  /** Tells `listener` each time the health changes; returns the unsubscribe. */
  onHealthChange(listener: (health: HomeHealth) => void): () => void {
    this.#healthListeners.add(listener);
    return () => this.#healthListeners.delete(listener);
  }

  /**
   * Writes a small file (`.steward/write-check`) to learn whether the disk takes writes again
   * after it refused them; the health changes with the outcome. Throws what the write threw.
   */
  async checkWritable(): Promise<void> {
    await this.writeAtomic(WRITE_CHECK_FILE, `${new Date().toISOString()}\n`);
  }

  #troubled(err: StewardError): void {
    const trouble = err.code === 'STW_HOME_FULL' ? 'full' : 'failing';
    if (!this.#health.writable && this.#health.trouble === trouble) return;
    this.#log.error({ err, path: err.file }, `${err.message}; writes to the home fail until it takes them again`);
    this.#setHealth({ writable: false, trouble, error: err, since: Date.now() });
  }

  #wrote(): void {
    const health = this.#health;
    if (health.writable) return;
    const seconds = Math.round((Date.now() - health.since) / 1000);
    this.#log.info({ seconds }, `the home takes writes again (it refused them for ${seconds} s)`);
    this.#setHealth({ writable: true });
  }

  #setHealth(health: HomeHealth): void {
    this.#health = health;
    for (const listener of this.#healthListeners) {
      try {
        listener(health);
      } catch (err) {
        this.#log.error({ err }, 'a listener of the home\'s health failed');
      }
    }
  }

  /** The absolute path of `rel`; throws STW_HOME_IO if `rel` is absolute or leaves the home. */
  resolve(rel: string): string {
    return resolveInHome(this.root, rel);
  }

  /** The file as UTF-8 text; undefined when it does not exist. */
  async readText(rel: string): Promise<string | undefined> {
    const abs = this.resolve(rel);
    try {
      return await readFile(abs, 'utf8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw homeIoError('read', rel, err);
    }
  }

  /**
   * Bytes `start` (default 0) up to `end` (exclusive; default the end of the file) as they are now,
   * clamped to the file's size: a range past the end is an empty Buffer. Undefined when the file
   * does not exist. For progressive console logs.
   */
  async readBytes(rel: string, start = 0, end?: number): Promise<Buffer | undefined> {
    const abs = this.resolve(rel);
    if (!isOffset(start) || (end !== undefined && !isOffset(end))) {
      throw new StewardError('STW_HOME_IO', `invalid byte range ${start}..${end ?? ''} of ${rel}`, { file: rel });
    }
    const handle = await openForReading(abs, rel);
    if (handle === undefined) return undefined;
    try {
      const { size } = await handle.stat();
      const to = Math.min(end ?? size, size);
      if (to <= start) return Buffer.alloc(0);
      const buffer = Buffer.allocUnsafe(to - start);
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
        if (bytesRead === 0) break; // truncated meanwhile
        filled += bytesRead;
      }
      return filled === buffer.length ? buffer : buffer.subarray(0, filled);
    } catch (err) {
      throw homeIoError('read', rel, err);
    } finally {
      await handle.close();
    }
  }

  /**
   * Bytes `start` (default 0) up to the file's size now, as a stream that reads a chunk at a time
   * as its consumer takes them: for serving console logs and artifacts of any size. Undefined when
   * the file does not exist. The caller must consume or destroy the stream (it holds the file open).
   */
  async openRange(rel: string, start = 0): Promise<FileRange | undefined> {
    const abs = this.resolve(rel);
    if (!isOffset(start)) throw new StewardError('STW_HOME_IO', `invalid byte offset ${start} of ${rel}`, { file: rel });
    return openFileRange(abs, rel, start);
  }

  /** Size in bytes; undefined when it does not exist. */
  async size(rel: string): Promise<number | undefined> {
    const abs = this.resolve(rel);
    try {
      return (await stat(abs)).size;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw homeIoError('inspect', rel, err);
    }
  }

  async exists(rel: string): Promise<boolean> {
    return (await this.size(rel)) !== undefined;
  }

  async isDirectory(rel: string): Promise<boolean> {
    const abs = this.resolve(rel);
    try {
      return (await stat(abs)).isDirectory();
    } catch (err) {
      if (isMissing(err)) return false;
      throw homeIoError('inspect', rel, err);
    }
  }

  /**
   * Names in the folder, sorted; [] when it does not exist. Temp files of writes in flight (or of
   * a writer that crashed) are left out.
   */
  async listDir(rel: string): Promise<string[]> {
    const abs = this.resolve(rel);
    try {
      return (await readdir(abs)).filter((name) => !isTempName(name)).sort();
    } catch (err) {
      if (isMissing(err)) return [];
      throw homeIoError('list', rel, err);
    }
  }

  /**
   * Replaces the file with `data`, atomically and durably, creating missing folders. Readers and
   * crashes see the old content or the new, never a mix. Concurrent writes to one path apply in
   * call order (the last call wins). `mode` is set exactly; under a private path it defaults to 0600.
   * A stream (an artifact copied in from a workspace) is read once, straight into the temp file.
   */
  writeAtomic(rel: string, data: string | Buffer | Readable, opts: { mode?: number } = {}): Promise<void> {
    let abs: string;
    try {
      abs = this.#resolveWritable(rel);
    } catch (err) {
      return Promise.reject(err);
    }
    // A file the journal holds a change of: a replay must not bring the older content back.
    if (this.#journalNow?.holds(rel) === true && opts.mode === undefined && (typeof data === 'string' || Buffer.isBuffer(data))) {
      return this.commit([{ path: rel, content: data.toString() }]);
    }
    const secret = isPrivatePath(this.root, abs);
    const mode = opts.mode ?? (secret ? PRIVATE_FILE_MODE : undefined);
    return this.#writes.run(abs, async () => {
      await this.#mutate('write', rel, undefined, () =>
        writeFileAtomic(abs, data, {
          ...(mode === undefined ? {} : { mode }),
          makeParent: (dir) => this.#makeDir(dir, secret ? PRIVATE_DIR_MODE : undefined),
          // Checked again after the slow part (the fsync): a takeover during it still stops the write.
          beforePublish: () => this.#fence.assertWritable(),
          publishing: () => this.#fence.assertHeld(),
          ...(this.#audit === undefined ? {} : { published: (startedAt: number) => this.#audit?.record('write', rel, startedAt) }),
        }),
      );
      this.#wrote();
    });
  }

  /**
   * Opens an append-only file (a build's console log), creating it and its folders. The fence is
   * asked on open and before writes (see APPEND_FENCE_CACHE_MS). With `wholeRecords`, a failed
   * write does not stop the later ones (see FileAppendLogOptions).
   */
  async openAppend(rel: string, opts: { wholeRecords?: boolean } = {}): Promise<AppendLog> {
    const abs = this.#resolveWritable(rel);
    const secret = isPrivatePath(this.root, abs);
    return this.#mutate('open', rel, 'open', async () => {
      const mode = secret ? PRIVATE_FILE_MODE : 0o666;
      // The file is created (if missing) synchronously right after the lease is checked, as an
      // atomic write renames (atomic-write.ts); the open for appending then creates nothing.
      const create = (): void => {
        this.#fence.assertHeld();
        closeSync(openSync(abs, 'a', mode));
      };
      try {
        create();
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
        this.#makeDir(dirname(abs), secret ? PRIVATE_DIR_MODE : undefined);
        create();
      }
      const handle = await open(abs, fsConstants.O_WRONLY | fsConstants.O_APPEND);
      try {
        const { size } = await handle.stat();
        return new FileAppendLog(handle, rel, this.#sharedFence, size, { report: this.#report, audit: this.#audit, ...(opts.wholeRecords === true ? { wholeRecords: true } : {}) });
      } catch (err) {
        await handle.close();
        throw err;
      }
    }, { cachedFence: true });
  }

  /**
   * Opens an append-only file that is rotated by size (the audit log): `rel`, then `rel.1`... up
   * to `files` in all, each at most `maxBytes` (see RotatingAppendLog). Every rename and open of
   * a rotation is fenced like any other write.
   */
  openRotating(rel: string, opts: RotationOptions): Promise<AppendLog> {
    return RotatingAppendLog.open(this, rel, opts);
  }

  /**
   * Creates the folder and its missing parents; under a private path the mode defaults to 0700.
   * Resolves to whether it created anything (false: the folder was there).
   */
  async mkdir(rel: string, opts: { mode?: number } = {}): Promise<boolean> {
    const abs = this.resolve(rel);
    const mode = opts.mode ?? (isPrivatePath(this.root, abs) ? PRIVATE_DIR_MODE : undefined);
    return this.#mutate('create the folder', rel, 'mkdir', () => Promise.resolve(this.#makeDir(abs, mode)), { cachedFence: true });
  }

  /** Removes the file or folder (with everything in it); nothing happens when it is missing. */
  async remove(rel: string): Promise<void> {
    const abs = this.#resolveWritable(rel);
    // Journaled first when the journal holds changes of what goes, so that a replay does not bring them back.
    const journal = this.#journalNow;
    if (journal?.holds(rel) === true) await journal.commit([{ remove: rel }], () => Promise.resolve());
    await this.#mutate('remove', rel, 'remove', async () => {
      await rm(abs, { recursive: true, force: true });
      await fsyncDir(dirname(abs)).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
    });
  }

  /** Renames a file or folder, creating the target's folders; replaces a target file. */
  async rename(fromRel: string, toRel: string): Promise<void> {
    const from = this.#resolveWritable(fromRel);
    const to = this.#resolveWritable(toRel);
    // What the journal holds of the old place is made durable there first: replayed afterwards,
    // it would make the old folder again, or a part of the new one before the rename.
    const journal = this.#journalNow;
    if (journal?.holds(fromRel) === true) await journal.checkpoint();
    if (journal?.holds(fromRel) === true) {
      throw new StewardError('STW_HOME_IO', `could not rename ${fromRel}: the home's journal could not be checkpointed first`, { file: fromRel });
    }
    await this.#mutate('rename', `${fromRel} to ${toRel}`, 'rename', async () => {
      const toDir = dirname(to);
      // Checked and renamed in one go, as an atomic write publishes (see atomic-write.ts).
      const renameHeld = (): void => {
        this.#fence.assertHeld();
        renameSync(from, to);
      };
      try {
        renameHeld();
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT' || !(await this.exists(fromRel))) throw err;
        this.#makeDir(toDir, isPrivatePath(this.root, to) ? PRIVATE_DIR_MODE : undefined);
        renameHeld();
      }
      await fsyncDir(toDir);
      if (dirname(from) !== toDir) await fsyncDir(dirname(from));
    });
  }

  /**
   * Closes the private paths of a home written before they were private (or changed by hand): a
   * folder among them that others may enter becomes 0700, a file others may read 0600. Returns the
   * paths it changed. What lies inside a closed folder is out of reach already and is left as is.
   */
  async protectPrivatePaths(): Promise<string[]> {
    const changed: string[] = [];
    for (const rel of PRIVATE_PATHS) {
      const abs = this.resolve(rel);
      await this.#mutate('protect', rel, 'protect', async () => {
        let mode: number;
        let dir: boolean;
        try {
          const st = await lstat(abs);
          if (st.isSymbolicLink()) throw new Error(`${rel} is a symbolic link; a private path of the home must be a real file or folder`);
          mode = st.mode & 0o7777;
          dir = st.isDirectory();
        } catch (err) {
          if (isMissing(err)) return;
          throw err;
        }
        if ((mode & 0o077) === 0) return;
        await chmod(abs, dir ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE);
        changed.push(rel);
      });
    }
    return changed;
  }

  /**
   * Hands a folder of the home over to the user builds run as: it and everything in it become
   * theirs, and the folders above it up to the home let others pass through (x, not read). This is
   * the only way a path of the home leaves the controller's own user, and it is used only for the
   * built-in node's workspaces and the build user's HOME: the places a build may write. Symbolic
   * links are changed themselves, never followed. A folder that is the owner's already is left as
   * is, so what a build made inside it is not walked again.
   */
  async handOver(rel: string, owner: FolderOwner): Promise<void> {
    const abs = this.#resolveWritable(rel);
    await this.#mutate('hand over', rel, 'hand-over', async () => {
      const st = await lstat(abs);
      if (!st.isDirectory()) throw new Error(`${rel} is not a folder`);
      for (let dir = dirname(abs); ; dir = dirname(dir)) {
        const mode = (await stat(dir)).mode & 0o7777;
        if ((mode & 0o001) === 0) await chmod(dir, mode | 0o001);
        if (dir === this.root) break;
      }
      if (st.uid === owner.uid && st.gid === owner.gid) return;
      await chownTree(abs, owner);
    }, { cachedFence: true });
  }

  /** Like resolve, and refuses the home folder itself as a target. */
  #resolveWritable(rel: string): string {
    const abs = this.resolve(rel);
    if (abs === this.root) {
      throw new StewardError('STW_HOME_IO', `the home folder itself cannot be written, removed or renamed`, {
        file: rel,
      });
    }
    return abs;
  }

  /**
   * Asks the fence, then runs `fn`; failures come out as STW_HOME_IO naming `rel`. A completed
   * `op` is told to the write audit (an atomic write tells it itself, at its rename).
   */
  async #mutate<T>(action: string, rel: string, op: WriteOperation | undefined, fn: () => Promise<T>, opts: { cachedFence?: boolean } = {}): Promise<T> {
    try {
      if (opts.cachedFence === true) await this.#assertWritableCached();
      else await this.#fence.assertWritable();
      // Again without I/O: the process may have been paused while the epoch file was read.
      this.#fence.assertHeld();
      const startedAt = this.#audit === undefined ? 0 : auditClock();
      const result = await fn();
      if (op !== undefined) this.#audit?.record(op, rel, startedAt);
      return result;
    } catch (err) {
      const error = homeIoError(action, rel, err);
      if (isDiskTrouble(error)) {
        // The change of health is logged once; each write it fails is not worth an error line.
        this.#log.debug({ err: error, path: rel }, `could not ${action} ${rel}`);
        this.#troubled(error);
      } else if (error.code === 'STW_HOME_IO') {
        this.#log.error({ err: error, path: rel }, `could not ${action} ${rel}`);
      } else {
        this.#log.warn({ code: error.code, path: rel }, `refused to ${action} ${rel}: ${error.message}`);
      }
      throw error;
    }
  }

  /**
   * mkdir -p; whether it created a folder. With a mode (0700 under secrets/), the home folder
   * itself is created first with the default mode, so that only folders inside the home get the
   * restricted mode.
   */
  #makeDir(abs: string, mode: number | undefined): boolean {
    // Checked and made in one go, as an atomic write renames (atomic-write.ts).
    this.#fence.assertHeld();
    if (mode === undefined) return mkdirSync(abs, { recursive: true }) !== undefined;
    mkdirSync(this.root, { recursive: true });
    return mkdirSync(abs, { recursive: true, mode }) !== undefined;
  }
}

/**
 * lchown of a folder and everything in it; links are changed, not followed. A previous owner's
 * process may still be swapping a folder for a link, so each folder is opened without following
 * links and its entries are named through the open folder (see open-beneath.ts).
 */
async function chownTree(abs: string, owner: FolderOwner): Promise<void> {
  await lchown(abs, owner.uid, owner.gid);
  const dir = await openDirNoFollow(abs);
  try {
    await chownEntries(dir, owner);
  } finally {
    await dir.close();
  }
}

async function chownEntries(dir: FileHandle, owner: FolderOwner): Promise<void> {
  await dir.chown(owner.uid, owner.gid);
  for (const name of await readdir(entryOf(dir, '.'))) {
    const child = await openChildDir(dir, name);
    if (child === undefined) {
      await lchown(entryOf(dir, name), owner.uid, owner.gid).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
      continue;
    }
    try {
      await chownEntries(child, owner);
    } finally {
      await child.close();
    }
  }
}

function isOffset(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
