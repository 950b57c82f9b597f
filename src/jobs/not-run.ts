import type { XmlElementHandle } from '../xml/index.js';

/**
 * What of a job's config.xml this controller will not run, element by element: the answer to
 * createItem and config.xml, the job's `notRun` in api/json, the start-up summary and `steward
 * job check` all read this one list.
 */

/** Where in config.xml the element sits; `option` is a setting inside an element that runs (a git extension). */
export type NotRunKind = 'scm' | 'builder' | 'wrapper' | 'publisher' | 'trigger' | 'property' | 'option';

/**
 * - `fails-build`: every build of the job fails, saying so in its log (an SCM or builder that is
 *   not installed: without it the build means nothing).
 * - `skipped`: builds run without it, and their log says so where it would have run.
 * - `ignored`: kept in config.xml, never run, and builds do not mention it (a trigger never
 *   fires, a job property is not read).
 */
export type NotRunTreatment = 'fails-build' | 'skipped' | 'ignored';

export interface NotRunElement {
  readonly kind: NotRunKind;
  /** The element name or `class` attribute (`hudson.plugins.jacoco.JacocoPublisher`). */
  readonly name: string;
  /** The `plugin` attribute as written (`jacoco@3.3.4`); undefined for core classes and options. */
  readonly plugin: string | undefined;
  /** For an option, the element it is a setting of (`hudson.plugins.git.GitSCM`). */
  readonly within?: string;
  readonly treatment: NotRunTreatment;
  /** One line, in a user's words. */
  readonly reason: string;
}

/** A setting of a step that runs, which this controller does not run (a step reports its own). */
export interface NotRunOption {
  readonly name: string;
  readonly treatment: NotRunTreatment;
  readonly reason: string;
}

/** A freestyle project's own settings that no build here honours, read from its root element. */
export function projectOptionsNotRun(root: XmlElementHandle): NotRunElement[] {
  const out: NotRunElement[] = [];
  const option = (name: string, reason: string) => out.push({ kind: 'option', name, plugin: undefined, within: root.name, treatment: 'ignored', reason });
  const text = (name: string) => root.childText(name)?.trim() ?? '';
  if (text('customWorkspace') !== '') option('customWorkspace', 'builds run in the job\'s usual workspace, not in the custom one');
  const jdk = text('jdk');
  if (jdk !== '' && jdk !== '(System)' && jdk !== '(Default)') option(`jdk ${jdk}`, 'builds run with the node\'s own Java: Steward installs no JDK tool');
  const retries = text('scmCheckoutRetryCount');
  if (retries !== '' && retries !== '0') option('scmCheckoutRetryCount', 'a checkout that fails is not tried again');
  return out;
}

/**
 * The most elements a job's list keeps, in the order of the file; its counts cover all. A
 * config.xml may hold 100,000 elements: listed whole, they would make every answer that carries
 * the list, and every log line naming it, tens of megabytes.
 */
export const NOT_RUN_LISTED = 100;

/** The order treatments are listed and counted in: the worst first. */
export const NOT_RUN_TREATMENTS: readonly NotRunTreatment[] = ['fails-build', 'skipped', 'ignored'];

/** `hudson.tasks.Maven (plugin maven-plugin@3.4)`, as logs and messages name an element. */
export function describeNotRun(e: NotRunElement): string {
  const plugin = e.plugin === undefined ? '' : ` (plugin ${e.plugin})`;
  const within = e.within === undefined ? '' : ` of ${e.within}`;
  return `${e.kind} ${e.name}${plugin}${within}`;
}

/** The JSON shape of an element, in createItem's answer and the job's api/json. */
export function notRunJson(e: NotRunElement): Record<string, unknown> {
  return {
    kind: e.kind,
    name: e.name,
    plugin: e.plugin ?? null,
    ...(e.within === undefined ? {} : { within: e.within }),
    treatment: e.treatment,
    reason: e.reason,
  };
}

/** How many elements fail builds, are skipped and are ignored. */
export function countNotRun(list: readonly NotRunElement[]): Record<NotRunTreatment, number> {
  const counts: Record<NotRunTreatment, number> = { 'fails-build': 0, skipped: 0, ignored: 0 };
  for (const e of list) counts[e.treatment]++;
  return counts;
}

/** How many elements in all, from countNotRun's counts. */
export function totalNotRun(counts: Readonly<Record<NotRunTreatment, number>>): number {
  return counts['fails-build'] + counts.skipped + counts.ignored;
}

/** How many element names the start-up summary names; the rest are counted. */
const SUMMARY_TOP = 5;

/**
 * The one start-up line for a home's jobs that use what this controller does not run: how many,
 * how many will fail their builds, and the most common element names with the number of jobs
 * using each. Undefined when no job does.
 */
export function summarizeNotRun(
  jobs: Iterable<{ readonly name: string; readonly notRun: readonly NotRunElement[]; readonly counts: Readonly<Record<NotRunTreatment, number>> }>,
  total: number,
): { fields: Record<string, unknown>; message: string } | undefined {
  const byName = new Map<string, number>();
  let count = 0;
  let failing = 0;
  for (const job of jobs) {
    if (job.notRun.length === 0) continue;
    count++;
    if (job.counts['fails-build'] > 0) failing++;
    for (const name of new Set(job.notRun.map((e) => e.name))) byName.set(name, (byName.get(name) ?? 0) + 1);
  }
  if (count === 0) return undefined;
  const top = [...byName].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, SUMMARY_TOP);
  const more = byName.size - top.length;
  const named = top.map(([name, n]) => `${name} (${n} job${n === 1 ? '' : 's'})`).join(', ');
  return {
    fields: { jobs: count, failing, elements: Object.fromEntries(top) },
    message:
      `${count} of ${total} jobs use what this controller does not run, and builds of ${failing} will fail: ${named}` +
      `${more > 0 ? ` and ${more} more` : ''}; each job's api/json lists its own in notRun`,
  };
}
