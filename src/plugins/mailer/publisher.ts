import type { PublisherDescriptor } from '../../jobs/index.js';
import { MAILER, parseMailer } from './config.js';
import type { MailerConfiguration } from './configuration.js';
import { composeMail, deliver } from './mail-sender.js';

/**
 * hudson.tasks.Mailer ("E-mail Notification"): mails the recipients when a build fails, when it
 * is unstable (only the first of a row with dontNotifyEveryUnstableBuild), and when it is back to
 * normal or stable after that, with Jenkins' subjects and bodies. Mail never changes the result.
 */
export function mailerPublisher(config: MailerConfiguration): PublisherDescriptor {
  return {
    id: MAILER,
    displayName: 'E-mail Notification',
    create(step) {
      const s = parseMailer(step.element);
      return {
        notifier: true,
        async perform(ctx, result) {
          const mail = await composeMail(ctx, result, s);
          if (mail === undefined) return undefined;
          await deliver(ctx, config.state, mail, { recipients: s.recipients, sendToIndividuals: s.sendToIndividuals, result });
          return undefined;
        },
      };
    },
  };
}
