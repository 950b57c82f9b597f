import type { Result } from '../../jobs/index.js';
import type { XmlElementHandle } from '../../xml/index.js';

/** "Build other projects" (core Jenkins' publisher). */
export const BUILD_TRIGGER = 'hudson.tasks.BuildTrigger';
/** "Build after other projects are built" (core Jenkins' trigger, on the downstream job). */
export const REVERSE_BUILD_TRIGGER = 'jenkins.triggers.ReverseBuildTrigger';

const BY_ORDINAL: readonly Result[] = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'];

/**
 * A `hudson.model.Result` as XStream writes it (`<name>`, `<ordinal>`, `<color>`,
 * `<completeBuild>`). Jenkins' Result.readResolve goes by the ordinal, so it wins over the name;
 * without either, `fallback`.
 */
export function readResult(el: XmlElementHandle | undefined, fallback: Result): Result {
  if (el === undefined) return fallback;
  const ordinal = el.childText('ordinal')?.trim();
  if (ordinal !== undefined && /^\d$/.test(ordinal)) return BY_ORDINAL[Number(ordinal)] ?? fallback;
  const name = el.childText('name')?.trim().toUpperCase();
  return BY_ORDINAL.find((r) => r === name) ?? fallback;
}

/** A comma-separated list of job names (Jenkins' Items.fromNameList), trimmed, blanks and repeats dropped. */
export function readProjectList(text: string | undefined): string[] {
  return [...new Set((text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''))];
}

/**
 * Renames job `from` to `to` in the comma-separated list of child `field`, as Jenkins'
 * Items.computeRelativeNamesAfterRenaming does (the names joined with ","); whether it changed.
 */
export function renameInProjectList(el: XmlElementHandle, field: string, from: string, to: string): boolean {
  const list = el.child(field);
  if (list === undefined) return false;
  const names = readProjectList(list.text());
  if (!names.includes(from)) return false;
  list.setText(names.map((n) => (n === from ? to : n)).join(','));
  return true;
}

/** `hudson.tasks.BuildTrigger`: the jobs to build when this one's result is `threshold` or better. */
export interface BuildTriggerStep {
  readonly childProjects: readonly string[];
  readonly threshold: Result;
}

export function parseBuildTrigger(el: XmlElementHandle): BuildTriggerStep {
  return { childProjects: readProjectList(el.childText('childProjects')), threshold: readResult(el.child('threshold'), 'SUCCESS') };
}

/** `jenkins.triggers.ReverseBuildTrigger`: build this job when one of `upstreamProjects` ends `threshold` or better. */
export interface ReverseBuildTriggerStep {
  readonly upstreamProjects: readonly string[];
  readonly threshold: Result;
}

export function parseReverseBuildTrigger(el: XmlElementHandle): ReverseBuildTriggerStep {
  return { upstreamProjects: readProjectList(el.childText('upstreamProjects')), threshold: readResult(el.child('threshold'), 'SUCCESS') };
}
