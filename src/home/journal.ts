import { execFile } from 'node:child_process';

import type { Logger } from 'pino';

import { coerceError } from '../errors/index.js';
import type { AppendLog } from './append-log.js';

/** The folder of the journal's segments, `.steward/journal/<16 digits>`. */
export const JOURNAL_DIR = '.steward/journal';

/** A change of the home that the journal makes durable: a small file's new content, or a removal or a rename of what was journaled. */
export type JournalChange =
  | { readonly write: string; readonly content: string }
  | { readonly remove: string }
  | { readonly rename: string; readonly to: string }
  | JournalNote;

/**
 * A change that is not a file's: a part that keeps a file of its own less often than it changes
 * (the queue and queue.xml) notes each change here, and reads the notes back after a crash.
 */
export interface JournalNote {
  readonly note: string;
  readonly value: unknown;
}

/** What the journal needs of the home store; every call is fenced there. */
export interface JournalHost {
  /** Opens (creating) a segment for appending, fenced like any append. */
  openSegment(rel: string): Promise<AppendLog>;
  /** Removes a segment whose changes are all durable in their files. */
  removeSegment(rel: string): Promise<void>;
  /** Makes every file of the home's file system durable (syncfs); rejects when it cannot. */
  syncFileSystem(): Promise<void>;
}

export interface JournalOptions {
  /** A checkpoint is made once the segment holds this many bytes (default 4 MiB)... */
  maxSegmentBytes?: number;
  /** ...or this long after its first change (default 10 s). */
  maxSegmentAgeMs?: number;
}

interface Waiter {
  readonly line: string;
  readonly paths: readonly string[];
  resolve(): void;
  reject(err: unknown): void;
}

interface Segment {
  readonly rel: string;
  log: AppendLog | undefined;
  /** The file exists (it was appended to, or left by the last controller). */
  exists: boolean;
  /** Home paths its durable lines change, and what writes back its changes into their files. */
  readonly paths: Set<string>;
  readonly writeBacks: Set<Promise<unknown>>;
  bytes: number;
}

/**
 * The home's write-ahead journal: the group commit of a build's bookkeeping. A change of a small
 * file (a build's record, nextBuildNumber) is one JSON line appended to the current segment, and
 * every change made while the previous append was being made durable goes out with the next one:
 * one write(2) and one fsync for all of them, however many builds start or end in that moment. The
 * files themselves are written right away, atomically but without fsync (their write-back), so
 * readers and Jenkins' tools see them as before; the journal is what makes them durable.
 *
 * A checkpoint (every 10 s or 4 MiB) starts a new segment, waits for the write-backs of the old
 * one, makes the file system durable with one syncfs(2) (`sync -f`), and removes the old segment.
 * On start, what the segments left by a crash hold is written again into the files that lost it
 * ({@link replayJournal}).
 */
export class Journal {
  readonly #host: JournalHost;
  readonly #log: Logger;
  readonly #maxBytes: number;
  readonly #maxAgeMs: number;
  #seq: number;
  #current: Segment | undefined;
  /** Segments whose changes are not yet known to be durable in their files. */
  readonly #retired: Segment[] = [];
  #batch: Waiter[] = [];
  #flushing: Promise<void> | undefined;
  #flushScheduled = false;
  #checkpointing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #beforeCheckpoint: (() => Promise<void>)[] = [];
  /** Notes that ride with the next commit (noteLater). */
  #later: JournalNote[] = [];
  #laterTimer: NodeJS.Timeout | undefined;
  /** Paths of commits asked for and not yet durable (or refused), with how many. */
  readonly #inFlight = new Map<string, number>();
  /** Group commits made (each one fsync), for the metrics. */
  commits = 0;

  /**
   * `replayed`: the segments the last controller left, with the paths they change; they are kept
   * (and read again after another crash) until the first checkpoint, so that what their notes say
   * is kept until its owner saved it elsewhere.
   */
  constructor(host: JournalHost, logger: Logger, nextSeq: number, replayed: readonly { rel: string; paths: Set<string> }[], opts: JournalOptions = {}) {
    this.#host = host;
    this.#log = logger;
    this.#seq = nextSeq;
    this.#maxBytes = opts.maxSegmentBytes ?? 4 * 1024 * 1024;
    this.#maxAgeMs = opts.maxSegmentAgeMs ?? 10_000;
    for (const r of replayed) this.#retired.push({ rel: r.rel, log: undefined, exists: true, paths: r.paths, writeBacks: new Set(), bytes: 0 });
    if (replayed.length > 0) this.#armTimer();
  }

  /**
   * Runs `hook` at every checkpoint, before the old segments go: a part whose notes are in them
   * saves what they say in its own file (the queue writes queue.xml).
   */
  beforeCheckpoint(hook: () => Promise<void>): void {
    this.#beforeCheckpoint.push(hook);
  }

  /**
   * Appends `changes` as one record and resolves once it is durable. `writeBack` writes the files
   * (it is started at once; the result waits for both), and the changed paths are remembered until
   * a checkpoint has made them durable in their files.
   */
  commit(changes: readonly JournalChange[], writeBack: () => Promise<void>): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the home journal is closed'));
    const segment = this.#segment();
    const paths = changes.flatMap((c) => ('write' in c ? [c.write] : 'remove' in c ? [c.remove] : 'rename' in c ? [c.to] : []));
    for (const p of paths) this.#inFlight.set(p, (this.#inFlight.get(p) ?? 0) + 1);
    const line = `${JSON.stringify({ c: changes })}\n`;
    segment.bytes += Buffer.byteLength(line);
    const durable = new Promise<void>((resolve, reject) => this.#batch.push({ line, paths, resolve, reject }));
    this.#scheduleFlush();
    const written = writeBack();
    segment.writeBacks.add(written);
    void written.finally(() => segment.writeBacks.delete(written)).catch(() => undefined);
    return Promise.all([durable, written]).then(() => {
      if (segment.bytes >= this.#maxBytes) void this.checkpoint();
    });
  }

  /**
   * Adds `note` to the next commit, whoever makes it, so that it costs no fsync of its own; when
   * none comes within `maxDelayMs`, it is committed by itself. Nobody waits for it.
   */
  noteLater(note: JournalNote, maxDelayMs: number): void {
    if (this.#closed) return;
    this.#later.push(note);
    this.#segment();
    this.#laterTimer ??= setTimeout(() => {
      this.#laterTimer = undefined;
      if (this.#later.length > 0) this.#scheduleFlush();
    }, maxDelayMs);
    this.#laterTimer.unref();
  }

  /**
   * Whether a change of `rel`, or of a path under it, is in a segment not yet checkpointed: a
   * removal or a rename of `rel` must then be journaled too, or a replay would bring it back.
   */
  holds(rel: string): boolean {
    const prefix = `${rel}/`;
    for (const p of this.#inFlight.keys()) if (p === rel || p.startsWith(prefix)) return true;
    for (const s of this.#segments()) {
      for (const p of s.paths) if (p === rel || p.startsWith(prefix)) return true;
    }
    return false;
  }

  /**
   * Makes every change journaled so far durable in its file and removes the segments that held
   * them. Failures are logged; the segments are then kept, and replayed on the next start.
   */
  checkpoint(): Promise<void> {
    this.#checkpointing ??= this.#checkpoint().finally(() => {
      this.#checkpointing = undefined;
    });
    return this.#checkpointing;
  }

  /** A last checkpoint; no commit is taken afterwards. */
  async close(): Promise<void> {
    await this.checkpoint().catch(() => undefined);
    this.#closed = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#laterTimer);
    await this.#current?.log?.close().catch(() => undefined);
  }

  async #checkpoint(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const old = this.#current;
    if (old !== undefined) {
      this.#current = undefined;
      this.#retired.push(old);
    }
    if (this.#retired.length === 0) return;
    const done = [...this.#retired];
    try {
      // What the old segments hold is durable in the journal and written into its files.
      await this.#flushing;
      await Promise.allSettled(done.flatMap((s) => [...s.writeBacks]));
      for (const hook of this.#beforeCheckpoint) await hook();
      await this.#host.syncFileSystem();
      for (const s of done) {
        await s.log?.close();
        if (s.exists) await this.#host.removeSegment(s.rel);
        this.#retired.splice(this.#retired.indexOf(s), 1);
      }
    } catch (err) {
      this.#log.warn({ err: coerceError(err).toJSON() }, `could not checkpoint the home's journal (${done.length} segment(s) kept for the next start to replay): ${coerceError(err).message}`);
    }
  }

  *#segments(): Iterable<Segment> {
    yield* this.#retired;
    if (this.#current !== undefined) yield this.#current;
  }

  #segment(): Segment {
    if (this.#current === undefined) {
      this.#current = { rel: segmentPath(this.#seq++), log: undefined, exists: false, paths: new Set(), writeBacks: new Set(), bytes: 0 };
      this.#armTimer();
    }
    return this.#current;
  }

  #armTimer(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => void this.checkpoint(), this.#maxAgeMs);
    this.#timer.unref();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#flushing !== undefined) return;
    this.#flushScheduled = true;
    // Whatever else changes in this turn of the event loop goes in the same commit.
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = undefined;
        if (this.#batch.length > 0) this.#scheduleFlush();
      });
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    const later = this.#later;
    this.#later = [];
    if (later.length > 0) {
      clearTimeout(this.#laterTimer);
      this.#laterTimer = undefined;
      batch.push({ line: `${JSON.stringify({ c: later })}\n`, paths: [], resolve: () => undefined, reject: () => undefined });
    }
    if (batch.length === 0) return;
    const segment = this.#segment();
    const settled = (): void => {
      for (const w of batch) {
        for (const p of w.paths) {
          const n = (this.#inFlight.get(p) ?? 1) - 1;
          if (n <= 0) this.#inFlight.delete(p);
          else this.#inFlight.set(p, n);
        }
      }
    };
    try {
      segment.log ??= await this.#host.openSegment(segment.rel);
      segment.exists = true;
      await segment.log.write(batch.map((w) => w.line).join(''));
      await segment.log.sync();
      this.commits++;
      // The paths belong to the segment that holds the lines (a checkpoint since the commits may
      // have started another); a refused line holds nothing.
      for (const w of batch) for (const p of w.paths) segment.paths.add(p);
      settled();
    } catch (err) {
      settled();
      // What follows goes to a new segment: a line the disk took only part of, should cutting
      // it back have failed too, then ends the reading of this one, not of what comes after.
      if (this.#current === segment) {
        this.#current = undefined;
        this.#retired.push(segment);
      }
      for (const w of batch) w.reject(err);
      return;
    }
    for (const w of batch) w.resolve();
  }
}

/** The segment `seq`: 16 digits, so that names sort as numbers. */
export function segmentPath(seq: number): string {
  return `${JOURNAL_DIR}/${String(seq).padStart(16, '0')}`;
}

/** The sequence number of a segment's name, or undefined for another name. */
export function segmentSeq(name: string): number | undefined {
  return /^[0-9]{16}$/.test(name) ? Number(name) : undefined;
}

/** What the segments of a journal say, read in order. */
export interface JournalReading {
  /** The last content written to each path, less what was removed or renamed away afterwards. */
  readonly files: Map<string, string>;
  /** The notes, in the order they were made. */
  readonly notes: JournalNote[];
  /** The paths each segment changes. */
  readonly paths: Set<string>[];
  readonly records: number;
  /** Segments whose last line was cut short (a crash during an append, never acknowledged). */
  readonly torn: number;
}

/**
 * Reads the segments' texts, in order. A segment's torn last line (a crash during an append,
 * never acknowledged) ends its reading.
 */
export function readJournal(segments: readonly string[]): JournalReading {
  const files = new Map<string, string>();
  const notes: JournalNote[] = [];
  const paths: Set<string>[] = [];
  let records = 0;
  let torn = 0;
  for (const text of segments) {
    const changed = new Set<string>();
    paths.push(changed);
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let changes: unknown;
      try {
        changes = (JSON.parse(line) as { c?: unknown }).c;
      } catch {
        torn++;
        break;
      }
      if (!Array.isArray(changes)) {
        torn++;
        break;
      }
      records++;
      for (const c of changes as JournalChange[]) {
        if (typeof c !== 'object' || c === null) continue;
        if ('note' in c && typeof c.note === 'string') notes.push({ note: c.note, value: c.value });
        else apply(files, changed, c);
      }
    }
  }
  return { files, notes, paths, records, torn };
}

function apply(files: Map<string, string>, changed: Set<string>, c: JournalChange): void {
  if ('write' in c && typeof c.write === 'string' && typeof c.content === 'string') {
    files.set(c.write, c.content);
    changed.add(c.write);
  } else if ('remove' in c && typeof c.remove === 'string') {
    changed.add(c.remove);
    for (const p of [...files.keys()]) if (under(p, c.remove)) files.delete(p);
  } else if ('rename' in c && typeof c.rename === 'string' && typeof c.to === 'string') {
    changed.add(c.to);
    for (const [p, content] of [...files]) {
      if (!under(p, c.rename)) continue;
      files.delete(p);
      files.set(c.to + p.slice(c.rename.length), content);
    }
  }
}

function under(p: string, dir: string): boolean {
  return p === dir || p.startsWith(`${dir}/`);
}

/** syncfs(2) of the file system holding `dir`, by coreutils' `sync -f` (Node has no binding for it). */
export function syncFileSystem(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sync', ['-f', dir], { timeout: 120_000 }, (err, _stdout, stderr) => {
      if (err === null) resolve();
      else reject(new Error(`sync -f ${dir} failed: ${stderr.trim() || err.message}`));
    });
  });
}
