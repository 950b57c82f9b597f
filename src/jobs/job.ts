import type { StewardError } from '../errors/index.js';
import type { BuildRecord } from './config/index.js';
import type { Build } from './build.js';
import type { JobDefinition } from './definition.js';
import type { Permalinks } from './permalinks.js';

/**
 * A job (Jenkins' Item/Job). Its builds load lazily: the list of build numbers is read from the
 * builds folder the first time something needs it, and a build record only when asked for.
 */
export class Job {
  readonly name: string;
  definition: JobDefinition;
  /** Builds running now (or being set up), by number. */
  readonly running = new Map<number, Build>();
  /**
   * Numbers handed out whose record and log are being written (Jobs.allocate): not yet running,
   * and not a build a controller left behind either, whatever their folder holds meanwhile.
   */
  readonly allocating = new Set<number>();
  /** Sorted ascending; undefined until first read. */
  buildNumbers: number[] | undefined;
  /** Next number to give out; undefined until first read. */
  nextBuildNumber: number | undefined;
  /** Completed records read so far. */
  readonly records = new Map<number, BuildRecord>();
  /**
   * Builds whose build.xml could not be read, with why: reported once, and not read again on every
   * look (a job's page, the permalinks) until the record is deleted.
   */
  readonly unreadableRecords = new Map<number, StewardError>();
  /** builds/permalinks, kept current as builds complete and are deleted; undefined until first read. */
  permalinks: Permalinks | undefined;

  constructor(name: string, definition: JobDefinition) {
    this.name = name;
    this.definition = definition;
  }

  get dir(): string {
    return `jobs/${this.name}`;
  }

  buildDir(n: number): string {
    return `jobs/${this.name}/builds/${n}`;
  }

  get disabled(): boolean {
    return this.definition.kind === 'freestyle' && this.definition.parsed.config.disabled;
  }

  get buildable(): boolean {
    return this.definition.kind === 'freestyle' && !this.disabled;
  }
}
