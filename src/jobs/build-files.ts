import { StewardError, excerpt } from '../errors/index.js';
import type { HomeStore } from '../home/index.js';
import type { BuildRecord } from './config/index.js';
import type { Job } from './job.js';
import type { RunView } from './run-actions.js';
import { EMPTY_CHANGE_SET } from './scm/api.js';

/*
 * Files a plugin keeps in a build's folder (`builds/N/junitResult.xml`), beside build.xml and
 * the log, written through the home store and read back with a bound.
 */

/** Names a plugin may give a file of a build's folder: a plain name, not one of the build's own. */
const RESERVED: ReadonlySet<string> = new Set(['build.xml', 'log', 'archive', 'agent-step.json']);

export function checkBuildFileName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name) || RESERVED.has(name)) {
    throw new StewardError('STW_INTERNAL', `"${excerpt(name)}" is not a name a plugin may give a file of a build's folder`);
  }
}

/** `bytes` in words: `64 MiB`, `512 KiB`, `100 bytes`. */
export function sizeInWords(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

export async function readBuildFile(store: HomeStore, job: Job, number: number, name: string, maxBytes: number): Promise<string | undefined> {
  checkBuildFileName(name);
  const rel = `${job.buildDir(number)}/${name}`;
  const size = await store.size(rel);
  if (size === undefined) return undefined;
  if (size > maxBytes) {
    throw new StewardError('STW_REQUEST_TOO_LARGE', `${rel} is larger than ${sizeInWords(maxBytes)} (${size} bytes); it is not read`, { file: rel });
  }
  return store.readText(rel);
}

/** What {@link RunView} needs of Jobs. */
export interface BuildRecords {
  buildNumbers(job: Job): Promise<readonly number[]>;
  record(job: Job, number: number): Promise<BuildRecord | undefined>;
}

/** The largest changelog {@link RunView.changeSet} reads. */
const MAX_CHANGELOG_BYTES = 4 * 1024 * 1024;

/** How far back {@link RunView.previous} looks: Jenkins' own walk is unbounded; a job of 100,000 builds should not be read whole. */
const MAX_PREVIOUS = 100;

export function runView(records: BuildRecords, store: HomeStore, job: Job, record: BuildRecord): RunView {
  return {
    job: job.name,
    record,
    readFile: (name, maxBytes) => readBuildFile(store, job, record.number, name, maxBytes),
    async changeSet() {
      const def = job.definition;
      if (def.kind !== 'freestyle' || def.scm === undefined) return EMPTY_CHANGE_SET;
      const text = await readBuildFile(store, job, record.number, 'changelog.xml', MAX_CHANGELOG_BYTES).catch(() => undefined);
      return text === undefined ? EMPTY_CHANGE_SET : def.scm.changeSet(text);
    },
    async *previous() {
      const numbers = await records.buildNumbers(job);
      let seen = 0;
      for (let i = numbers.length - 1; i >= 0 && seen < MAX_PREVIOUS; i--) {
        const n = numbers[i] as number;
        if (n >= record.number) continue;
        seen++;
        const r = await records.record(job, n);
        if (r !== undefined && r.result !== undefined) yield runView(records, store, job, r);
      }
    },
  };
}
