/**
 * Whether any node can ever run a job's builds. A label expression that no node matches leaves the
 * job's builds blocked in the queue ("There are no nodes with the label ..."); Jenkins says so on
 * the job's configuration page (AbstractProject's check of assignedLabelString), Steward when a job
 * is loaded, created or reconfigured. Only a warning: a node with the label may be added later.
 */
import { excerpt } from '../errors/index.js';
import type { LabelExpression } from '../nodes/label/index.js';

/**
 * The warning for a job whose label expression matches none of `nodes` (online or not, in any
 * mode: an EXCLUSIVE node takes the jobs whose expression matches it); undefined when one matches
 * or the job has no label. Computed from the nodes given, each time: nodes come and go at run time.
 */
export function labelWarning(
  job: string,
  label: LabelExpression | undefined,
  nodes: Iterable<{ readonly labels: ReadonlySet<string> }>,
): string | undefined {
  if (label === undefined) return undefined;
  for (const node of nodes) if (label.matches(node.labels)) return undefined;
  return `job ${job}: there are no nodes with the label '${excerpt(label.text)}'; its builds will wait in the queue until a node with that label is added`;
}
