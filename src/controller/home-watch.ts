import type { Logger } from 'pino';
import { isStewardError } from '../errors/index.js';
import type { HomeHealth, HomeStore } from '../home/index.js';

/** How often a home that refused writes is tried again. */
export const HOME_CHECK_INTERVAL_MS = 2_000;

export interface HomeWatchOptions {
  store: HomeStore;
  logger: Logger;
  /** Hears each change of the home's health, after the watch has acted on it. */
  onChange: (health: HomeHealth) => void;
  intervalMs?: number;
}

/**
 * Notices by itself when a home whose disk refused writes (full, failing) takes them again. While
 * the home is unwritable, builds are held in the queue and requests that would write are refused,
 * so nothing else may write to find out: every two seconds a small file is written
 * (HomeStore.checkWritable), and the first that goes through makes the home writable again. No
 * restart is needed once room is made on the disk.
 */
export class HomeWatch {
  readonly #store: HomeStore;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #unsubscribe: () => void;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  #closed = false;

  constructor(opts: HomeWatchOptions) {
    this.#store = opts.store;
    this.#log = opts.logger;
    this.#intervalMs = opts.intervalMs ?? HOME_CHECK_INTERVAL_MS;
    this.#unsubscribe = opts.store.onHealthChange((health) => {
      this.#follow(health);
      opts.onChange(health);
    });
    this.#follow(opts.store.health);
  }

  /** The administrative monitor's text while the home is unwritable; undefined when it is writable. */
  get problem(): string | undefined {
    const health = this.#store.health;
    if (health.writable) return undefined;
    const what = health.trouble === 'full' ? 'free space on the disk of the home' : 'mend the disk of the home (see the system log)';
    return (
      `The home's disk is ${health.trouble} since ${new Date(health.since).toISOString()}: ${health.error.message}. ` +
      `Builds wait in the queue and build requests are refused until it takes writes again; ${what}. ` +
      `Steward notices by itself, within ${Math.round(this.#intervalMs / 1000)} s.`
    );
  }

  #follow(health: HomeHealth): void {
    if (this.#closed) return;
    if (health.writable) {
      if (this.#timer !== undefined) clearInterval(this.#timer);
      this.#timer = undefined;
    } else {
      this.#timer ??= setInterval(() => void this.#check(), this.#intervalMs);
    }
  }

  async #check(): Promise<void> {
    if (this.#checking || this.#closed) return;
    this.#checking = true;
    try {
      await this.#store.checkWritable();
    } catch (err) {
      // Still unwritable (the store logged the change once), or this controller may no longer write.
      if (!isStewardError(err, 'STW_HOME_FULL') && !isStewardError(err, 'STW_HOME_IO')) {
        this.#log.debug({ err }, 'the check of the home was refused');
      }
    } finally {
      this.#checking = false;
    }
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
