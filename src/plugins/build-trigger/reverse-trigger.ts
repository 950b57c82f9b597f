import { isWorseOrEqualTo, upstreamCause, type TriggerDescriptor } from '../../jobs/index.js';
import { REVERSE_BUILD_TRIGGER, parseReverseBuildTrigger, renameInProjectList } from './config.js';

/**
 * jenkins.triggers.ReverseBuildTrigger, "Build after other projects are built": when a build of
 * one of the upstream jobs ends at the threshold or better, this job is queued with an
 * UpstreamCause naming that build.
 */
export const reverseBuildTrigger: TriggerDescriptor = {
  id: REVERSE_BUILD_TRIGGER,
  displayName: 'Build after other projects are built',
  renameJob: (el, from, to) => renameInProjectList(el, 'upstreamProjects', from, to),
  create(step, _file, jobName) {
    const s = parseReverseBuildTrigger(step.element);
    const upstream = new Set(s.upstreamProjects);
    return {
      upstreamProjects: s.upstreamProjects,
      start(ctx) {
        const stop = ctx.onCompleted((b) => {
          if (!upstream.has(b.job) || b.job === jobName || !isWorseOrEqualTo(s.threshold, b.result)) return;
          ctx.schedule(upstreamCause(b));
        });
        return { stop };
      },
    };
  },
};
