import type { Cause } from './types.js';

/*
 * Identical causes are kept once with a count, as Jenkins' CauseAction keeps its causeBag
 * (a LinkedHashMap from cause to count): ten thousand identical requests merged into one item
 * cost one cause, in memory, in queue.xml and in build.xml.
 */

/** How many requests `cause` stands for. */
export function countOf(cause: Cause): number {
  return cause.count ?? 1;
}

/** Whether two causes are the same cause, whatever their counts. */
export function sameCause(a: Cause, b: Cause): boolean {
  return (
    a.kind === b.kind &&
    a.shortDescription === b.shortDescription &&
    a.userId === b.userId &&
    a.userName === b.userName &&
    a.upstreamProject === b.upstreamProject &&
    a.upstreamBuild === b.upstreamBuild &&
    a.upstreamUrl === b.upstreamUrl &&
    sameCauses(a.upstreamCauses ?? [], b.upstreamCauses ?? [])
  );
}

function sameCauses(a: readonly Cause[], b: readonly Cause[]): boolean {
  return a.length === b.length && a.every((c, i) => {
    const other = b[i];
    return other !== undefined && sameCause(c, other) && countOf(c) === countOf(other);
  });
}

/** Adds `cause` (with its count) to `causes`: its count grows when it is there, else it comes last. */
export function addCause(causes: Cause[], cause: Cause): void {
  const i = causes.findIndex((c) => sameCause(c, cause));
  const existing = causes[i];
  if (existing === undefined) {
    causes.push({ ...cause });
    return;
  }
  // Counts stop at the largest safe integer rather than losing precision.
  causes[i] = { ...existing, count: Math.min(countOf(existing) + countOf(cause), Number.MAX_SAFE_INTEGER) };
}

/** `causes` with identical ones folded into one, counted, in the order of their first appearance. */
export function foldCauses(causes: readonly Cause[]): Cause[] {
  const out: Cause[] = [];
  for (const c of causes) addCause(out, c);
  return out;
}

/** How many requests `causes` stand for in all (it grows with every merge). */
export function requestCount(causes: readonly Cause[]): number {
  return causes.reduce((n, c) => n + countOf(c), 0);
}
