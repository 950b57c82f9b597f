import type { Cause } from './config/index.js';

/** How deep upstream causes nest, and how many builds a trimmed chain names (Jenkins' UpstreamCause.MAX_DEPTH, MAX_LEAF). */
const MAX_DEPTH = 10;
const MAX_LEAF = 25;

const DEEPLY_NESTED: Cause = { kind: 'other', shortDescription: '(deeply nested causes)' };

/**
 * The cause of a build started by build `number` of `job` (Jenkins' UpstreamCause): "Started by
 * upstream project "A" build number 3", with the upstream build's own causes nested, trimmed as
 * Jenkins trims them so that a long chain of jobs does not grow each record: past 10 levels, or
 * once 25 builds are named, the rest is one "(deeply nested causes)"; a build met twice is named
 * without its causes the second time.
 */
export function upstreamCause(up: { readonly job: string; readonly number: number; readonly causes: readonly Cause[] }): Cause {
  const traversed = new Set<string>();
  return {
    kind: 'upstream',
    shortDescription: `Started by upstream project "${up.job}" build number ${up.number}`,
    upstreamProject: up.job,
    upstreamUrl: `job/${encodeURIComponent(up.job)}/`,
    upstreamBuild: up.number,
    upstreamCauses: up.causes.map((c) => trim(c, MAX_DEPTH, traversed)),
  };
}

function trim(c: Cause, depth: number, traversed: Set<string>): Cause {
  if (c.kind !== 'upstream') return c;
  const nested: Cause[] = [];
  if (depth > 0) {
    const key = `${c.upstreamUrl ?? ''}${c.upstreamBuild ?? ''}`;
    if (!traversed.has(key)) {
      traversed.add(key);
      for (const inner of c.upstreamCauses ?? []) nested.push(trim(inner, depth - 1, traversed));
    }
  } else if (traversed.size < MAX_LEAF) {
    nested.push(DEEPLY_NESTED);
  }
  const { upstreamCauses: _dropped, ...rest } = c;
  return nested.length === 0 ? rest : { ...rest, upstreamCauses: nested };
}

/**
 * A cause as the first lines of a build's log show it (Jenkins' Cause.print): an upstream cause
 * is followed by "originally caused by:" and its own causes, one space deeper each level.
 */
export function causeLines(cause: Cause, depth = 0): string[] {
  const indent = ' '.repeat(depth);
  const lines = [`${indent}${cause.shortDescription}`];
  const nested = cause.kind === 'upstream' ? (cause.upstreamCauses ?? []) : [];
  if (nested.length > 0) {
    lines.push(`${indent}originally caused by:`);
    for (const c of nested) lines.push(...causeLines(c, depth + 1));
  }
  return lines;
}
