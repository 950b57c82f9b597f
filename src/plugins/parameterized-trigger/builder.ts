import { combine, isWorseOrEqualTo, type BuilderDescriptor, type BuildContext, type Result } from '../../jobs/index.js';
import { TRIGGER_BUILDER, parseTriggerConfigs, renameInTriggerConfigs, type Blocking } from './config.js';
import { requestBuilds } from './trigger.js';

/** A job name as the plugin puts it in a variable's name (BuildInfoExporterAction). */
function variableName(project: string): string {
  return project.replace(/[^a-zA-Z0-9]+/g, '_');
}

/** The plugin's BlockingBehaviour: whether the step goes on, and the build's result from a triggered build's. */
function mapResult(block: Blocking, r: Result): { stepFails: boolean; result: Result } {
  if (block.buildStepFailureThreshold !== undefined && isWorseOrEqualTo(r, block.buildStepFailureThreshold)) return { stepFails: true, result: 'FAILURE' };
  if (block.failureThreshold !== undefined && isWorseOrEqualTo(r, block.failureThreshold)) return { stepFails: false, result: 'FAILURE' };
  if (block.unstableThreshold !== undefined && isWorseOrEqualTo(r, block.unstableThreshold)) return { stepFails: false, result: 'UNSTABLE' };
  return { stepFails: false, result: 'SUCCESS' };
}

/** Records a triggered build as the plugin's variables name it, for the steps after this one. */
function exportBuild(ctx: BuildContext, project: string, number: number, result: Result | undefined): void {
  const v = variableName(project);
  const env = ctx.env;
  const names = (env.TRIGGERED_JOB_NAMES ?? '').split(',').filter((n) => n !== '');
  if (!names.includes(project)) names.push(project);
  env.TRIGGERED_JOB_NAMES = names.join(',');
  env.LAST_TRIGGERED_JOB_NAME = project;
  env[`TRIGGERED_BUILD_NUMBER_${v}`] = String(number);
  const numbers = (env[`TRIGGERED_BUILD_NUMBERS_${v}`] ?? '').split(',').filter((n) => n !== '');
  numbers.push(String(number));
  env[`TRIGGERED_BUILD_NUMBERS_${v}`] = numbers.join(',');
  env[`TRIGGERED_BUILD_RUN_COUNT_${v}`] = String(numbers.length);
  if (result !== undefined) {
    env[`TRIGGERED_BUILD_RESULT_${v}`] = result;
    env[`TRIGGERED_BUILD_RESULT_${v}_RUN_${number}`] = result;
  }
}

/**
 * hudson.plugins.parameterizedtrigger.TriggerBuilder, "Trigger/call builds on other projects": a
 * build step that queues builds of other jobs with parameters and, when blocking, waits for each to
 * end and takes its result through the thresholds: at or past buildStepFailureThreshold the step
 * fails; else failureThreshold makes the build FAILURE and unstableThreshold UNSTABLE.
 */
export const triggerBuilder: BuilderDescriptor = {
  id: TRIGGER_BUILDER,
  displayName: 'Trigger/call builds on other projects',
  renameJob: renameInTriggerConfigs,
  create(step) {
    const configs = parseTriggerConfigs(step.element);
    return {
      displayName: 'Trigger/call builds on other projects',
      downstreamProjects: [...new Set(configs.flatMap((c) => c.projects))],
      async perform(ctx) {
        let result: Result = 'SUCCESS';
        for (const config of configs) {
          const block = config.block;
          if (config.projects.length === 0) {
            ctx.log('ERROR: Build aborted. No projects to trigger. Check your configuration!');
            return 'FAILURE';
          }
          const done = requestBuilds(config, ctx);
          if (!done.ran) continue;
          if (done.missing.length > 0) {
            // As the plugin: the jobs found are queued, then the step fails naming the others.
            const names = [...done.missing].sort().map((n) => ` > ${n}\n`).join('');
            ctx.log(`ERROR: Build aborted. Can't trigger undefined projects. ${done.missing.length} of the below project(s) can't be resolved:\n${names}Check your configuration!`);
            return 'FAILURE';
          }
          if (block === undefined) {
            if (done.requested.length > 0) ctx.log(`Triggering projects: ${done.requested.map((r) => r.project).join(', ')}`);
            for (const line of done.ignored) ctx.log(line);
            for (const p of done.disabled) ctx.log(`${p} is disabled. Triggering skipped.`);
            continue;
          }
          for (const line of done.ignored) ctx.log(line);
          for (const p of done.disabled) ctx.log(`Skipping ${p}. The project is either disabled or the configuration has not been saved yet.`);
          for (const r of done.requested) {
            ctx.log(`Waiting for the completion of ${r.project}`);
            const built = await ctx.awaitDownstream(r.project, r.queueId);
            if (built.cancelled) {
              ctx.log(`ERROR: ${r.project} aborted.`);
              return 'FAILURE';
            }
            ctx.log(`${r.project} #${built.number} completed. Result was ${built.result}`);
            exportBuild(ctx, r.project, built.number, built.result);
            const mapped = mapResult(block, built.result);
            if (mapped.stepFails) return 'FAILURE';
            result = combine(result, mapped.result);
          }
        }
        return result;
      },
    };
  },
};
