import type { PublisherDescriptor, Result } from '../../jobs/index.js';
import { CONDITIONS, PARAMETERIZED_BUILD_TRIGGER, parseTriggerConfigs, renameInTriggerConfigs } from './config.js';
import { requestBuilds } from './trigger.js';

/**
 * hudson.plugins.parameterizedtrigger.BuildTrigger, "Trigger parameterized build on other
 * projects": once the build's result is final, each config whose condition the result meets
 * queues its projects with its parameters.
 */
export const parameterizedBuildTrigger: PublisherDescriptor = {
  id: PARAMETERIZED_BUILD_TRIGGER,
  displayName: 'Trigger parameterized build on other projects',
  renameJob: renameInTriggerConfigs,
  create(step) {
    const configs = parseTriggerConfigs(step.element);
    return {
      downstreamProjects: [...new Set(configs.flatMap((c) => c.projects))],
      runsLast: true,
      async perform(ctx, result) {
        let previous: Result | undefined;
        if (configs.some((c) => c.condition === 'FIXED')) {
          for await (const run of ctx.run.previous()) {
            previous = run.record.result;
            break;
          }
        }
        for (const config of configs) {
          if (!CONDITIONS[config.condition](result, previous)) continue;
          const done = requestBuilds(config, ctx);
          // The plugin names the jobs it found; a name that is no job is passed over.
          if (done.requested.length > 0) ctx.log(`Triggering projects: ${done.requested.map((r) => r.project).join(', ')}`);
          for (const line of done.ignored) ctx.log(line);
          for (const p of done.disabled) ctx.log(`${p} is disabled. Triggering skipped.`);
        }
        return undefined;
      },
    };
  },
};
