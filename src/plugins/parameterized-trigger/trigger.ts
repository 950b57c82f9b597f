import type { BuildContext } from '../../jobs/index.js';
import type { TriggerConfig } from './config.js';
import { expandVariables, triggerParameters } from './parameters.js';

/** A build asked for by a trigger config: the queue item it is (a new one or one it merged into). */
export interface Requested {
  readonly project: string;
  readonly queueId: number;
}

/** What became of a trigger config's projects. */
export interface Requests {
  /** Builds queued (or merged into a queued item). */
  readonly requested: readonly Requested[];
  /** Names that are no job (after the build's variables are expanded). */
  readonly missing: readonly string[];
  readonly disabled: readonly string[];
  /** Parameters a job does not define, left out: one warning line each, said after the builds are named. */
  readonly ignored: readonly string[];
  /** False when the config did not run at all (a parameter source it cannot run, no parameters). */
  readonly ran: boolean;
}

/**
 * Queues the builds of one trigger config with its parameters and an UpstreamCause. The project
 * names take the build's variables (`$JOB`), as the plugin expands them. A config with a parameter
 * source or factory Steward does not run triggers nothing, and says so; a refused request is
 * logged; what to say of the rest is the caller's.
 */
export function requestBuilds(config: TriggerConfig, ctx: BuildContext): Requests {
  const projects = [...new Set(config.projects.map((p) => expandVariables(p, ctx.env).trim()).filter((p) => p !== ''))];
  const none: Requests = { requested: [], missing: [], disabled: [], ignored: [], ran: false };
  const { parameters, unsupported } = triggerParameters(config, ctx);
  if (unsupported.length > 0) {
    ctx.log(`WARNING: ${projects.join(', ')} not triggered: this controller does not run the ${unsupported.join(', ')}`);
    return none;
  }
  if (config.sources.length > 0 && Object.keys(parameters).length === 0 && !config.triggerWithNoParameters) return none;
  const requested: Requested[] = [];
  const missing: string[] = [];
  const disabled: string[] = [];
  const ignored: string[] = [];
  for (const project of projects) {
    const done = ctx.scheduleDownstream(project, parameters);
    switch (done.outcome) {
      case 'scheduled':
      case 'merged':
        if (done.ignored.length > 0) ignored.push(`WARNING: ${project} defines no parameter ${done.ignored.join(', ')}; its build is triggered without`);
        requested.push({ project, queueId: done.queueId });
        break;
      case 'disabled':
        disabled.push(project);
        break;
      case 'refused':
        ctx.log(`WARNING: a build of ${project} could not be triggered: ${done.reason}`);
        break;
      case 'not-found':
        missing.push(project);
        break;
    }
  }
  return { requested, missing, disabled, ignored, ran: true };
}
