/**
 * The `file:` lease: a flock(2) on a lock file, usually `<home>/.steward/lock`.
 *
 * The kernel frees a flock only when its open file description is closed, which happens at the
 * latest when the holder process dies (even by SIGKILL); so a crashed holder never leaves a stale
 * lock behind and nothing here has to guess whether a holder is still alive (the reason Steward
 * does not use proper-lockfile, whose stale-lock reclaim can let two holders in).
 *
 * Traps this file is written around:
 * - On NFS, flock is emulated with POSIX (fcntl) locks, and a POSIX lock is released when the
 *   process closes *any* descriptor of the file. So the holder opens the lock file exactly once,
 *   and this process never opens a lock file that it already holds (see `heldInProcess`).
 *   NFSv4 is the supported shared home; NFSv3 has no lease and is not safe.
 * - The lock file is never deleted: deleting it would let a newcomer lock a fresh inode while the
 *   old holder still believes it holds the lease.
 *
 * The epoch (fencing token) lives next to the lock in `<lock>.state`, as JSON
 * `{ "epoch": N, "holder": {...} }`, and is read, incremented and written (atomically) only while
 * the lock is held, so epochs only grow across holders and restarts.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants as fsConstants, fstatSync, openSync, statSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { StewardError } from '../../errors/index.js';
import type { Lease, LeaseHolder, LeaseLostListener } from './types.js';

/** The part of fs-ext used here (the package ships no types). */
interface FsExt {
  flockSync(fd: number, flags: 'sh' | 'ex' | 'shnb' | 'exnb' | 'un'): void;
}
// fs-ext is CommonJS without type declarations; loading it through createRequire keeps its type
// local to this file instead of adding a global `declare module`.
const fsExt = createRequire(import.meta.url)('fs-ext') as FsExt;

export interface FileLeaseOptions {
  /** The lock file, e.g. `<home>/.steward/lock`. Created (0600, with its folder) when missing. */
  path: string;
  holder: LeaseHolder;
  /** false (default): fail at once with STW_HOME_LOCKED if held; true: wait until it is free. */
  wait?: boolean;
  /** With `wait`: give up after this long (STW_HOME_LOCKED). Default: wait for ever. */
  timeoutMs?: number;
  /** Aborting stops a waiting acquire; it then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** How often a waiter retries the non-blocking flock, in ms. Default 100. */
  pollMs?: number;
  /**
   * The highest epoch known outside the lock's state (the home's `.steward/epoch`): the new epoch
   * is above it too, so that a lock file moved elsewhere, or its state lost, does not start the
   * epochs again at 1 on a home that a larger one fences.
   */
  epochFloor?: () => Promise<number>;
}

const DEFAULT_POLL_MS = 100;

/**
 * Lock files (by device and inode) that this process holds. A waiter in the same process must not
 * open such a file even briefly: closing that descriptor would drop our own lock where flock is
 * emulated with POSIX locks. Process-wide on purpose: locks are per process, not per object.
 */
const heldInProcess = new Set<string>();

class FileLease implements Lease {
  readonly epoch: number;
  readonly holder: LeaseHolder;
  #fd: number | undefined;
  readonly #key: string;
  readonly #listeners = new Set<LeaseLostListener>();

  constructor(fd: number, key: string, epoch: number, holder: LeaseHolder) {
    this.#fd = fd;
    this.#key = key;
    this.epoch = epoch;
    this.holder = holder;
  }

  get held(): boolean {
    return this.#fd !== undefined;
  }

  /**
   * A flock is only freed when this process closes it or dies, so a file lease is never lost
   * while the process lives; listeners are kept for the common Lease contract and never called.
   */
  onLost(listener: LeaseLostListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  remainingMs(): number {
    return this.held ? Infinity : 0;
  }

  inheritableFd(): number | undefined {
    return this.#fd;
  }

  // async so that a failure to unlock rejects rather than throws.
  async release(): Promise<void> {
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#fd = undefined;
    this.#listeners.clear();
    unlock(fd, this.#key);
  }
}

/**
 * Acquires the file lease: takes an exclusive flock on `opts.path` and records the next epoch and
 * this holder in `<path>.state`. Throws STW_HOME_LOCKED, naming the current holder, when the lock
 * is held elsewhere and `wait` is false or `timeoutMs` runs out; rejects with `signal.reason` when
 * aborted while waiting.
 */
export async function acquireFileLease(opts: FileLeaseOptions): Promise<Lease> {
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  if (!(pollMs > 0)) throw new RangeError(`pollMs must be positive, got ${pollMs}`);
  if (opts.timeoutMs !== undefined && !(opts.timeoutMs >= 0)) {
    throw new RangeError(`timeoutMs must not be negative, got ${opts.timeoutMs}`);
  }
  opts.signal?.throwIfAborted();
  try {
    await mkdir(dirname(opts.path), { recursive: true });
  } catch (err) {
    throw ioError(`could not create the folder of the lock file ${opts.path}`, err);
  }

  const startedWaiting = performance.now();
  for (;;) {
    const locked = tryLock(opts.path);
    if (locked !== undefined) return await becomeHolder(opts, locked.fd, locked.key);

    if (opts.wait !== true) {
      throw new StewardError(
        'STW_HOME_LOCKED',
        `the home is in use by another controller (${await describeHolder(opts.path)}); stop that controller first ` +
          `(lock file ${opts.path})`,
        { file: opts.path },
      );
    }
    const waited = performance.now() - startedWaiting;
    let nap = pollMs;
    if (opts.timeoutMs !== undefined) {
      const left = opts.timeoutMs - waited;
      if (left <= 0) {
        throw new StewardError(
          'STW_HOME_LOCKED',
          `waited ${formatSeconds(waited)} s for the lease on ${opts.path}, but the home is still in ` +
            `use by another controller (${await describeHolder(opts.path)}); stop that controller or ` +
            `wait longer`,
          { file: opts.path },
        );
      }
      nap = Math.min(nap, left);
    }
    try {
      await delay(nap, undefined, opts.signal === undefined ? {} : { signal: opts.signal });
    } catch (err) {
      opts.signal?.throwIfAborted();
      throw err;
    }
  }
}

/**
 * Reads who holds (or last held) the file lease at `path`, from `<path>.state`. Returns undefined
 * when the state file is missing or not readable as a lease state.
 */
export async function readFileLeaseHolder(
  path: string,
): Promise<{ holder: LeaseHolder; epoch: number } | undefined> {
  try {
    const state = parseState(await readFile(statePath(path), 'utf8'));
    return state?.holder === undefined ? undefined : { holder: state.holder, epoch: state.epoch };
  } catch {
    return undefined;
  }
}

/**
 * One non-blocking attempt. Synchronous on purpose: between the in-process check, the open and
 * the close of a losing attempt no other code of this process can run, so a waiter never closes
 * a descriptor of a lock file that this process holds.
 */
function tryLock(path: string): { fd: number; key: string } | undefined {
  try {
    if (heldInProcess.has(fileKey(statSync(path)))) return undefined;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw ioError(`could not inspect the lock file ${path}`, err);
  }
  let fd: number;
  try {
    // Node opens with O_CLOEXEC, so child processes (builds) never inherit the lock.
    fd = openSync(path, fsConstants.O_RDWR | fsConstants.O_CREAT, 0o600);
  } catch (err) {
    throw ioError(`could not open the lock file ${path}`, err);
  }
  let key: string;
  try {
    key = fileKey(fstatSync(fd));
    fsExt.flockSync(fd, 'exnb');
  } catch (err) {
    closeSync(fd);
    const code = errnoCode(err);
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return undefined;
    throw ioError(`could not lock the lock file ${path}`, err);
  }
  heldInProcess.add(key);
  return { fd, key };
}

/** Under the lock: reads the last epoch, writes the next one with this holder, builds the lease. */
async function becomeHolder(opts: FileLeaseOptions, fd: number, key: string): Promise<Lease> {
  try {
    const previous = await readStateStrict(opts.path);
    const floor = opts.epochFloor === undefined ? 0 : await opts.epochFloor();
    const epoch = Math.max(previous?.epoch ?? 0, floor) + 1;
    await writeStateAtomic(
      statePath(opts.path),
      `${JSON.stringify({ epoch, holder: opts.holder }, null, 2)}\n`,
    );
    return new FileLease(fd, key, epoch, opts.holder);
  } catch (err) {
    unlock(fd, key);
    throw err;
  }
}

function unlock(fd: number, key: string): void {
  heldInProcess.delete(key);
  try {
    fsExt.flockSync(fd, 'un');
  } finally {
    // Closing frees the lock anyway; the explicit unlock only makes the order obvious.
    closeSync(fd);
  }
}

/**
 * Like readFileLeaseHolder, but a state file that exists and cannot be read is an error: guessing
 * an epoch could hand out one that was already used, which would defeat fencing.
 */
async function readStateStrict(path: string): Promise<LeaseState | undefined> {
  const file = statePath(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw ioError(`could not read the lease state ${file}`, err);
  }
  const state = parseState(text);
  if (state === undefined) {
    throw new StewardError(
      'STW_HOME_IO',
      `the lease state ${file} is damaged, so the next epoch is unknown; restore it as ` +
        `{ "epoch": N } with N at least the highest epoch ever used (see .steward/epoch in the home)`,
      { file },
    );
  }
  return state;
}

/** The content of `<lock>.state`; `holder` is absent when an operator restored only the epoch. */
interface LeaseState {
  epoch: number;
  holder?: LeaseHolder;
}

function parseState(text: string): LeaseState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const { epoch, holder } = value;
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) return undefined;
  if (
    isRecord(holder) &&
    typeof holder.host === 'string' &&
    typeof holder.pid === 'number' &&
    typeof holder.instanceId === 'string' &&
    typeof holder.startedAt === 'string'
  ) {
    const { host, pid, instanceId, startedAt } = holder;
    return { epoch, holder: { host, pid, instanceId, startedAt } };
  }
  return { epoch };
}

async function describeHolder(path: string): Promise<string> {
  const state = await readFileLeaseHolder(path);
  if (state === undefined) return `holder unknown: ${statePath(path)} is missing or unreadable`;
  const { host, pid, startedAt } = state.holder;
  return `host ${host}, pid ${pid}, started ${startedAt}`;
}

/** temp file in the same folder, write, fsync, rename over, fsync the folder; mode 0600. */
async function writeStateAtomic(file: string, text: string): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw ioError(`could not write the lease state ${file}`, err);
  }
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = errnoCode(err);
    // Some file systems cannot fsync a folder; the rename is then as durable as they make it.
    if (code !== 'EINVAL' && code !== 'ENOTSUP') {
      throw ioError(`could not write the lease state ${file}`, err);
    }
  }
}

function statePath(path: string): string {
  return `${path}.state`;
}

function fileKey(st: { dev: number; ino: number }): string {
  return `${st.dev}:${st.ino}`;
}

function formatSeconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function ioError(message: string, err: unknown): StewardError {
  if (err instanceof StewardError) return err;
  const code = errnoCode(err);
  return new StewardError('STW_HOME_IO', code === undefined ? message : `${message}: ${code}`, {
    cause: err,
  });
}
