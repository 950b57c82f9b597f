import type { Result } from './result.js';

/**
 * Jenkins' peephole permalinks (jenkins.model.PeepholePermalink): each names the newest completed
 * build whose result passes a test. A running build is in none of them.
 */
export const PEEPHOLE_PERMALINKS = {
  lastCompletedBuild: () => true,
  lastFailedBuild: (r) => r === 'FAILURE',
  lastStableBuild: (r) => r === 'SUCCESS',
  lastSuccessfulBuild: (r) => r === 'SUCCESS' || r === 'UNSTABLE',
  lastUnstableBuild: (r) => r === 'UNSTABLE',
  lastUnsuccessfulBuild: (r) => r !== 'SUCCESS',
} as const satisfies Record<string, (result: Result) => boolean>;

export type PermalinkId = keyof typeof PEEPHOLE_PERMALINKS;

export const PERMALINK_IDS = Object.keys(PEEPHOLE_PERMALINKS) as readonly PermalinkId[];

/** The number Jenkins writes for a permalink that names no build. */
const NONE = -1;

/** What each permalink tells of the result of the build it names, for a job's colour. */
const RESULT_OF: readonly (readonly [PermalinkId, Result])[] = [
  ['lastStableBuild', 'SUCCESS'],
  ['lastUnstableBuild', 'UNSTABLE'],
  ['lastFailedBuild', 'FAILURE'],
];

/**
 * A job's permalink cache, `jobs/NAME/builds/permalinks` as Jenkins writes it (PeepholePermalink's
 * `updateCache`, which replaced one symbolic link per permalink): one `ID NUMBER` line per
 * permalink, sorted by id, each ending in `\n`, `-1` for none. An id that is missing is not known,
 * and is found by going through the build records, as Jenkins does.
 *
 * The entries say nothing of builds that completed without updating them (a controller stopped
 * between a build's record and this file, a build interrupted by a crash, an older controller):
 * {@link Permalinks.agrees} tells whether they can be trusted.
 */
export class Permalinks {
  readonly #numbers = new Map<PermalinkId, number>();
  /** The file's text as last read or written; undefined when there is none on disk. */
  saved: string | undefined;
  /**
   * Counts the builds completed and deleted since the cache was read. A search through the build
   * records that spans a change does not store what it found.
   */
  generation = 0;

  /** The cache of a job without builds: every permalink names none. */
  static none(): Permalinks {
    const links = new Permalinks();
    for (const id of PERMALINK_IDS) links.#numbers.set(id, NONE);
    return links;
  }

  /**
   * Reads the file as Jenkins does: a line without a space, or whose number does not parse, is
   * left out. Ids other than the six (a plugin's permalinks) are dropped: nothing here keeps them
   * current, and Jenkins searches for a missing one where it would believe a stale one.
   */
  static parse(text: string): Permalinks {
    const links = new Permalinks();
    links.saved = text;
    for (const line of text.split(/\r\n|\r|\n/)) {
      const space = line.indexOf(' ');
      if (space === -1) continue;
      const id = line.slice(0, space);
      const value = line.slice(space + 1);
      if (!Object.hasOwn(PEEPHOLE_PERMALINKS, id) || !/^[+-]?[0-9]{1,10}$/.test(value)) continue;
      const n = Number(value);
      if (n === NONE || (n > 0 && n <= 0x7fffffff)) links.#numbers.set(id as PermalinkId, n);
    }
    return links;
  }

  /** The file's text: Jenkins' TreeMap order (ids sorted by UTF-16 code units), `ID NUMBER\n`. */
  serialize(): string {
    return [...this.#numbers]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, n]) => `${id} ${n}\n`)
      .join('');
  }

  /** The build the permalink names: a number, null for none, undefined when not known. */
  get(id: PermalinkId): number | null | undefined {
    const n = this.#numbers.get(id);
    return n === NONE ? null : n;
  }

  set(id: PermalinkId, n: number | undefined): void {
    this.#numbers.set(id, n ?? NONE);
  }

  /**
   * Whether the entries can be trusted: `lastCompletedBuild` names the newest build that is not
   * running (`newest`, undefined when there is none). Every completion and deletion goes through
   * this cache, so when that holds the other entries missed nothing either.
   */
  agrees(newest: number | undefined): boolean {
    return this.#numbers.get('lastCompletedBuild') === (newest ?? NONE);
  }

  /** Forgets every entry but `lastCompletedBuild`, which becomes `newest`: the others are found again. */
  reset(newest: number | undefined): void {
    this.#numbers.clear();
    this.set('lastCompletedBuild', newest);
  }

  /**
   * Build `n` completed with `result` (Jenkins' `onCompleted`): each permalink it passes moves to
   * it, unless the permalink names a newer build already (builds may end out of order). `agreed`:
   * whether the cache agreed with the builds before `n` completed; if not, nothing moves, and the
   * cache is reset when next read.
   */
  completed(n: number, result: Result, agreed: boolean): void {
    this.generation++;
    if (!agreed) return;
    for (const id of PERMALINK_IDS) {
      const current = this.#numbers.get(id);
      if (current !== undefined && current < n && PEEPHOLE_PERMALINKS[id](result)) this.#numbers.set(id, n);
    }
  }

  /**
   * Build `n` was deleted (Jenkins' `onDeleted`). The permalinks that named it are forgotten, to be
   * found again among the older builds; `lastCompletedBuild` moves to `newest`, the newest build
   * left that is not running, when the cache agreed with the builds before the deletion (else
   * undefined: it is forgotten too).
   */
  deleted(n: number, newest: number | undefined, agreed: boolean): void {
    this.generation++;
    for (const id of PERMALINK_IDS) {
      if (this.#numbers.get(id) !== n) continue;
      if (id === 'lastCompletedBuild' && agreed) this.set(id, newest);
      else this.#numbers.delete(id);
    }
  }

  /**
   * The result of build `n`, the newest completed one, when the entries tell it (it is the last
   * stable, unstable or failed build); undefined when they do not (aborted, not built, not known).
   */
  resultOf(n: number): Result | undefined {
    return RESULT_OF.find(([id]) => this.#numbers.get(id) === n)?.[1];
  }
}
