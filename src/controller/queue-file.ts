import type { Logger } from 'pino';
import { coerceError, isStewardError } from '../errors/index.js';
import type { HomeStore } from '../home/index.js';
import { parseQueueFile, serializeQueueFile } from '../jobs/index.js';
import type { Queue } from '../queue/index.js';

export const QUEUE_FILE = 'queue.xml';

/**
 * Keeps queue.xml in step with the queue. Changes are coalesced: at most one write runs and at most
 * one more is due, so a burst of a thousand schedules costs two writes, and the file on disk is never
 * older than the last change by more than one write.
 */
export class QueueFileWriter {
  readonly #store: HomeStore;
  readonly #queue: () => Queue;
  readonly #log: Logger;
  #running: Promise<void> | undefined;
  #dirty = false;

  constructor(store: HomeStore, queue: () => Queue, logger: Logger) {
    this.#store = store;
    this.#queue = queue;
    this.#log = logger;
  }

  changed(): void {
    this.#dirty = true;
    if (this.#running === undefined) this.#running = this.#loop();
  }

  async #loop(): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false;
        const { items, nextId } = this.#queue().persistable();
        try {
          await this.#store.writeAtomic(QUEUE_FILE, serializeQueueFile(items, nextId));
        } catch (err) {
          if (isStewardError(err, 'STW_HOME_FENCED') || isStewardError(err, 'STW_LEASE_LOST')) return;
          this.#log.error({ err: coerceError(err).toJSON() }, `could not save the queue to ${QUEUE_FILE}`);
        }
      }
    } finally {
      this.#running = undefined;
    }
  }

  /** Waits until the file holds the latest state. */
  async flush(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  static async read(store: HomeStore, logger: Logger): Promise<ReturnType<typeof parseQueueFile> | undefined> {
    const text = await store.readText(QUEUE_FILE);
    if (text === undefined) return undefined;
    try {
      return parseQueueFile(text, QUEUE_FILE);
    } catch (err) {
      // A damaged queue.xml must not stop the controller: keep it aside and start with an empty queue.
      logger.error({ err: coerceError(err).toJSON() }, `${QUEUE_FILE} could not be read; starting with an empty queue (the file is kept as ${QUEUE_FILE}.bad)`);
      await store.writeAtomic(`${QUEUE_FILE}.bad`, text);
      return undefined;
    }
  }
}
