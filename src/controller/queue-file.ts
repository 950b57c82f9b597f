import type { Logger } from 'pino';
import { StewardError, coerceError, isStewardError } from '../errors/index.js';
import { isDiskTrouble, type HomeStore } from '../home/index.js';
import { parseQueueFile, serializeQueueFile, serializeQueueItem, type PersistedQueueItem } from '../jobs/index.js';
import { requestCount, type Queue } from '../queue/index.js';

export const QUEUE_FILE = 'queue.xml';

/** The journal's note of a queue item accepted or changed: its number among the queue's changes and its text. */
const ITEM_NOTE = 'queue-item';
/** The journal's note that queue.xml holds, durably, every change up to a number. */
const SAVED_NOTE = 'queue-saved';

interface ItemNote {
  seq: number;
  text: string;
}

/** How long changes gather, at least, before queue.xml is written again. */
export const QUEUE_WRITE_INTERVAL_MS = 100;
/** A write may take at most this share of the time: a large queue is written less often. */
const MAX_WRITE_SHARE = 0.2;
const MAX_INTERVAL_MS = 5_000;

/**
 * Keeps queue.xml in step with the queue. Changes are gathered for 100 ms (longer for a queue so
 * large that its writes would take more than a fifth of the time, up to 5 s) and written together,
 * never on the caller's stack; each item's text is kept while the item is queued, so a write costs
 * a string join, not a re-serialisation of every item. The window of changes a crash can lose is
 * one interval plus one write; a graceful stop flushes. A caller that must not answer before its
 * change is durable (a build request's 201) waits on `saved`: the write starts at once, and every
 * caller that came during one write shares the next (a group commit).
 */
export class QueueFileWriter {
  readonly #store: HomeStore;
  readonly #queue: () => Queue;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #dirty = false;
  #interval: number;
  /** Item text by id, with the number of requests it stood for when written (a merge adds one). */
  #texts = new Map<number, { requests: number; text: string }>();
  /** Callers of `saved` whose changes the next write takes. */
  #waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  /** Changes noted in the journal, and how many of them queue.xml holds durably. */
  #seq: number;
  #savedSeq: number;

  constructor(store: HomeStore, queue: () => Queue, logger: Logger, intervalMs = QUEUE_WRITE_INTERVAL_MS) {
    this.#store = store;
    this.#queue = queue;
    this.#log = logger;
    this.#intervalMs = intervalMs;
    this.#interval = intervalMs;
    // Numbered on from the notes the last controller left, so that its markers do not cover these.
    this.#seq = highestSeq([...store.replayedNotes(ITEM_NOTE), ...store.replayedNotes(SAVED_NOTE)]);
    this.#savedSeq = 0;
    // The journal's segments go at its checkpoints: queue.xml holds what their notes said first.
    void store.beforeCheckpoint(async () => {
      if (this.#seq > this.#savedSeq) await this.saved();
    });
  }

  /**
   * Makes item `id`, just accepted or merged into, durable (a build request's 201 waits for it): its
   * text goes into the home's journal, in the group commit shared with the builds starting and
   * ending meanwhile, and queue.xml is written with the next interval. An item that already left
   * the queue needs nothing: its build's record, durable before it left, names it.
   */
  async noted(id: number): Promise<void> {
    this.changed();
    const item = this.#queue().persistedItem(id);
    if (item === undefined) return;
    const note: ItemNote = { seq: ++this.#seq, text: serializeQueueItem(item) };
    await this.#store.commit([], [{ note: ITEM_NOTE, value: note }]);
  }

  changed(): void {
    this.#dirty = true;
    if (this.#timer === undefined && this.#running === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#running = this.#loop();
      }, this.#interval);
    }
  }

  #text(item: PersistedQueueItem, next: Map<number, { requests: number; text: string }>): string {
    let cached = this.#texts.get(item.id);
    const requests = requestCount(item.causes);
    if (cached === undefined || cached.requests !== requests) {
      cached = { requests, text: serializeQueueItem(item) };
    }
    next.set(item.id, cached);
    return cached.text;
  }

  async #loop(): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false;
        const waiting = this.#waiting.splice(0);
        const seq = this.#seq;
        const { items, nextId } = this.#queue().persistable();
        const next = new Map<number, { requests: number; text: string }>();
        const text = serializeQueueFile(items, nextId, (item) => this.#text(item, next));
        this.#texts = next;
        const started = performance.now();
        try {
          await this.#store.writeAtomic(QUEUE_FILE, text);
          if (seq > this.#savedSeq) {
            this.#savedSeq = seq;
            // The notes up to `seq` are in queue.xml now: a replay leaves them out (see read). The
            // mark rides with the next commit (a build starting or ending), or goes alone within a second.
            this.#store.noteLater({ note: SAVED_NOTE, value: { seq } }, 1000);
          }
          const took = performance.now() - started;
          this.#interval = Math.min(MAX_INTERVAL_MS, Math.max(this.#intervalMs, took / MAX_WRITE_SHARE));
          for (const w of waiting) w.resolve();
        } catch (err) {
          for (const w of waiting) w.reject(err);
          if (isStewardError(err, 'STW_HOME_FENCED') || isStewardError(err, 'STW_LEASE_LOST')) {
            for (const w of this.#waiting.splice(0)) w.reject(err);
            return;
          }
          if (isDiskTrouble(err)) {
            // The controller's HomeWatch calls changed() once the disk takes writes again.
            this.#log.warn({ err: coerceError(err).toJSON() }, `the queue is kept in memory and written to ${QUEUE_FILE} once the home takes writes again`);
          } else {
            this.#log.error({ err: coerceError(err).toJSON() }, `could not save the queue to ${QUEUE_FILE}`);
          }
        }
      }
    } finally {
      this.#running = undefined;
      // Changes that came in during the last write wait out a fresh interval.
      if (this.#dirty) this.changed();
    }
  }

  /**
   * Resolves once queue.xml holds every change made before the call; rejects with the write's error
   * (the lease lost, the disk full). The write starts now, or right after the one under way.
   */
  saved(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#dirty = true;
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      this.#running ??= this.#loop();
    });
  }

  /** Writes now whatever is pending and waits until the file holds the latest state. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#running ??= this.#loop();
    }
    while (this.#running !== undefined) await this.#running;
  }

  /** Stops the timer without writing (after flush, or when the lease is gone). */
  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const closed = new StewardError('STW_NOT_ACTIVE', 'the controller is stopping: the queue is no longer saved');
    for (const w of this.#waiting.splice(0)) w.reject(closed);
  }

  /**
   * Reads queue.xml. A file that cannot be read (not XML, not a queue, an item listed twice) must
   * not stop the controller, nor be overwritten by the next save: it is moved aside, through the
   * home store, to `queue.xml.corrupt-<time>`, and the controller starts with an empty queue.
   */
  static async read(store: HomeStore, logger: Logger): Promise<SavedQueue> {
    const file = await QueueFileWriter.#readFile(store, logger);
    const noted = journaledItems(store, logger);
    if (noted.length === 0) return file;
    // Accepted after queue.xml was last written, before a crash: the journal has them.
    const items = new Map((file.kind === 'read' ? file.items : []).map((i) => [i.id, i]));
    for (const item of noted) items.set(item.id, item);
    const merged = [...items.values()].sort((a, b) => a.id - b.id);
    const nextId = Math.max(file.kind === 'read' ? file.nextId : 1, ...merged.map((i) => i.id + 1));
    logger.info({ items: noted.length }, `${noted.length} queue item change(s) made after ${QUEUE_FILE} was last written were read back from the home's journal`);
    return { kind: 'read', items: merged, nextId, ...(file.kind === 'corrupt' ? { corrupt: file } : {}) };
  }

  static async #readFile(store: HomeStore, logger: Logger): Promise<SavedQueue> {
    const text = await store.readText(QUEUE_FILE);
    if (text === undefined) return { kind: 'none' };
    try {
      const saved = parseQueueFile(text, QUEUE_FILE);
      const ids = new Set<number>();
      for (const item of saved.items) {
        if (ids.has(item.id)) {
          throw new StewardError('STW_CONFIG_INVALID', `${QUEUE_FILE}: queue item #${item.id} (${item.job}) is listed twice`, { file: QUEUE_FILE, field: 'id' });
        }
        ids.add(item.id);
      }
      return { kind: 'read', ...saved };
    } catch (err) {
      const e = coerceError(err);
      const aside = `${QUEUE_FILE}.corrupt-${compactTime(new Date())}`;
      await store.rename(QUEUE_FILE, aside);
      const message = `${QUEUE_FILE} could not be read (${e.message}); it was moved aside to ${aside} and the controller started with an empty queue`;
      logger.warn({ file: QUEUE_FILE, line: e.line, column: e.column, movedTo: aside, err: e.toJSON() }, message);
      return { kind: 'corrupt', message, movedTo: aside };
    }
  }
}

/** The highest change number among journal notes (0 without one); a note without a number counts for none. */
function highestSeq(notes: readonly unknown[]): number {
  let highest = 0;
  for (const n of notes) {
    const seq = (n as { seq?: unknown } | null)?.seq;
    if (typeof seq === 'number' && seq > highest) highest = seq;
  }
  return highest;
}

/**
 * The queue items the journal noted after the last write of queue.xml it marks (the newest text of
 * each); a note that cannot be read is logged and left out.
 */
function journaledItems(store: HomeStore, logger: Logger): PersistedQueueItem[] {
  const saved = highestSeq(store.replayedNotes(SAVED_NOTE));
  const items = new Map<number, PersistedQueueItem>();
  for (const value of store.replayedNotes(ITEM_NOTE)) {
    const note = value as Partial<ItemNote>;
    if (typeof note.seq !== 'number' || typeof note.text !== 'string' || note.seq <= saved) continue;
    try {
      for (const item of parseQueueFile(serializeQueueFile([], 1, () => '').replace('<items/>', `<items>${note.text}</items>`), `${QUEUE_FILE} (journal)`).items) items.set(item.id, item);
    } catch (err) {
      logger.warn({ err: coerceError(err).toJSON() }, `a queue item noted in the home's journal cannot be read and is left out: ${coerceError(err).message}`);
    }
  }
  return [...items.values()];
}

/** What start-up found in queue.xml. */
export type SavedQueue =
  | { readonly kind: 'none' }
  | { readonly kind: 'read'; readonly items: PersistedQueueItem[]; readonly nextId: number; readonly corrupt?: { readonly message: string; readonly movedTo: string } }
  | { readonly kind: 'corrupt'; readonly message: string; readonly movedTo: string };

/** `20261207T041502Z`: a time that sorts, and has no `:` (a file name some tools refuse). */
function compactTime(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
