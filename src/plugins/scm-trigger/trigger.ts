import { Cron } from 'croner';
import { parseJenkinsCron, type TriggerDescriptor } from '../../jobs/index.js';
import { SCM_TRIGGER, parseScmTrigger } from './config.js';

/**
 * hudson.triggers.SCMTrigger: "Poll SCM" on Jenkins' cron syntax with `H`. Each time the spec
 * matches, the job's SCM is asked whether the remote changed since the last build; a change
 * queues a build ("Started by an SCM change"). An empty spec polls only on push notifications.
 */
export const scmTrigger: TriggerDescriptor = {
  id: SCM_TRIGGER,
  displayName: 'Poll SCM',
  create(step, file, jobName) {
    const { spec, ignorePostCommitHooks } = parseScmTrigger(step.element);
    const lines = parseJenkinsCron(spec, jobName, { file, field: `triggers/${step.type}/spec` });
    return {
      polling: { ignorePostCommitHooks },
      start(ctx) {
        // Jenkins matches day of month AND day of week when both are given.
        const crons = lines.map(
          (l) => new Cron(l.pattern, { domAndDow: true, unref: true, ...(l.timezone === undefined ? {} : { timezone: l.timezone }) }, () => ctx.poll()),
        );
        return {
          stop() {
            for (const c of crons) c.stop();
          },
        };
      },
    };
  },
};
