import { Cron } from 'croner';
import { parseJenkinsCron, type TriggerDescriptor } from '../../jobs/index.js';
import { TIMER_TRIGGER, parseTimerTrigger } from './config.js';

/** hudson.triggers.TimerTrigger: "Build periodically", with Jenkins' cron syntax and `H`. */
export const timerTrigger: TriggerDescriptor = {
  id: TIMER_TRIGGER,
  displayName: 'Build periodically',
  create(step, file, jobName) {
    const { spec } = parseTimerTrigger(step.element);
    const lines = parseJenkinsCron(spec, jobName, { file, field: `triggers/${step.type}/spec` });
    return {
      start(ctx) {
        // Jenkins matches day of month AND day of week when both are given.
        const crons = lines.map(
          (l) =>
            new Cron(l.pattern, { domAndDow: true, unref: true, ...(l.timezone === undefined ? {} : { timezone: l.timezone }) }, () =>
              ctx.schedule({ kind: 'timer', shortDescription: 'Started by timer' }),
            ),
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
