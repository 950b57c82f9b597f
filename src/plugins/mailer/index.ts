/**
 * The mailer plugin (`mailer`): "E-mail Notification" (`hudson.tasks.Mailer`), a publisher that
 * mails a job's recipients about failed, unstable and fixed builds as Jenkins' MailSender words
 * it, and the SMTP settings of the home (`hudson.tasks.Mailer.xml`, the From of
 * `jenkins.model.JenkinsLocationConfiguration.xml`), which email-ext sends with too.
 */
import { GLOBAL_CONFIGURATION, type BuiltInPlugin } from '../../extensions/index.js';
import { PUBLISHER } from '../../jobs/index.js';
import { MailerConfiguration } from './configuration.js';
import { mailerPublisher } from './publisher.js';

export { MAILER, parseMailer, type MailerStep } from './config.js';
export { MAILER_CONFIGURATION, MailerConfiguration, isMailerConfiguration } from './configuration.js';
export {
  MAILER_SETTINGS_FILE,
  LOCATION_SETTINGS_FILE,
  DEFAULT_ADMIN_ADDRESS,
  DEFAULT_MAIL_SETTINGS,
  SmtpAuthentication,
  loadMailState,
  parseMailerSettings,
  type MailSettings,
  type MailState,
} from './settings.js';
export { DEFAULT_SEND_LIMITS, parseRecipients, sendMail, type MailMessage, type SendLimits } from './transport.js';
/** Jenkins' MailSender: what a build's mail says, and sending it with the log saying to whom or why not. */
export { composeMail, deliver, previousResult, previousBuild, MAX_LOG_LINES, MAX_LOG_TAIL_BYTES, MAIL_MESSAGE_ID_ACTION } from './mail-sender.js';

export const plugin: BuiltInPlugin = {
  name: 'mailer',
  register(registry) {
    // One configuration per registry, so per controller: loaded at start, read by the publishers.
    const config = new MailerConfiguration();
    registry.register(GLOBAL_CONFIGURATION, config);
    registry.register(PUBLISHER, mailerPublisher(config));
  },
};
