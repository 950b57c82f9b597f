import type { ExtensionRegistry } from '../../extensions/index.js';
import { QUEUE_TASK_DISPATCHER, type QueueTaskDispatcherDescriptor } from './api.js';

/**
 * "Block build when upstream/downstream project is building" (core Jenkins'
 * AbstractProject.getCauseOfBlockage): a job with the option waits while any job downstream (or
 * upstream), however far, is building or has an item about to start, with Jenkins' texts. The
 * downstream check comes first, as in Jenkins.
 */
export const UPSTREAM_BLOCKING: QueueTaskDispatcherDescriptor = {
  id: 'hudson.model.AbstractProject.BecauseOfUpstreamBuildInProgress',
  displayName: 'Block build when upstream or downstream project is building',
  ordinal: 100,
  create(ctx) {
    const busy = (job: string, building: ReadonlySet<string>): boolean => building.has(job) || ctx.queuedUnblocked(job);
    return Promise.resolve({
      canRun(item) {
        const job = ctx.jobs.get(item.task.name);
        const def = job?.definition;
        if (def?.kind !== 'freestyle') return undefined;
        const c = def.parsed.config;
        if (!c.blockBuildWhenDownstreamBuilding && !c.blockBuildWhenUpstreamBuilding) return undefined;
        const building = new Set([...ctx.building()].map((b) => b.job));
        const graph = ctx.jobs.dependencyGraph();
        if (c.blockBuildWhenDownstreamBuilding) {
          const down = graph.transitiveDownstream(item.task.name).find((j) => busy(j, building));
          if (down !== undefined) return `Downstream project ${down} is already building.`;
        }
        if (c.blockBuildWhenUpstreamBuilding) {
          const up = graph.transitiveUpstream(item.task.name).find((j) => busy(j, building));
          if (up !== undefined) return `Upstream project ${up} is already building.`;
        }
        return undefined;
      },
    });
  },
};

/** Registers core Jenkins' queue task dispatchers; the composition root calls it once per registry. */
export function registerCoreQueueTaskDispatchers(registry: ExtensionRegistry): void {
  registry.register(QUEUE_TASK_DISPATCHER, UPSTREAM_BLOCKING);
}
