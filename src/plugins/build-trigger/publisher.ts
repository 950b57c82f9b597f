import { isWorseOrEqualTo, type BuildContext, type PublisherDescriptor, type Result } from '../../jobs/index.js';
import { BUILD_TRIGGER, parseBuildTrigger, renameInProjectList } from './config.js';

/**
 * Asks for a build of `child` started by this build, and logs what became of it in Jenkins' words
 * (hudson/tasks/Messages.properties). A job that does not exist is passed over in silence, as
 * Jenkins' dependency graph holds none.
 */
export function triggerChild(ctx: BuildContext, child: string, parameters: Readonly<Record<string, string>> = {}): { queueId: number } | undefined {
  const done = ctx.scheduleDownstream(child, parameters);
  switch (done.outcome) {
    case 'scheduled':
      ctx.log(`Triggering a new build of ${child}`);
      return { queueId: done.queueId };
    case 'merged':
      ctx.log(`${child} is already in the queue`);
      return { queueId: done.queueId };
    case 'disabled':
      ctx.log(`${child} is disabled. Triggering skipped.`);
      return undefined;
    case 'refused':
      ctx.log(`WARNING: a build of ${child} could not be triggered: ${done.reason}`);
      return undefined;
    case 'not-found':
      return undefined;
  }
}

/**
 * hudson.tasks.BuildTrigger, "Build other projects": once the build's result is final (after the
 * other publishers) and at `threshold` or better, each child job is queued with an UpstreamCause.
 */
export const buildTrigger: PublisherDescriptor = {
  id: BUILD_TRIGGER,
  displayName: 'Build other projects',
  renameJob: (el, from, to) => renameInProjectList(el, 'childProjects', from, to),
  create(step) {
    const s = parseBuildTrigger(step.element);
    return {
      downstreamProjects: s.childProjects,
      runsLast: true,
      perform(ctx, result: Result) {
        if (isWorseOrEqualTo(s.threshold, result)) {
          for (const child of s.childProjects) triggerChild(ctx, child);
        }
        return Promise.resolve(undefined);
      },
    };
  },
};
