import { readBoolean, type XmlElementHandle } from '../../xml/index.js';

/** The element a job's `<publishers>` holds for "E-mail Notification" (the mailer plugin). */
export const MAILER = 'hudson.tasks.Mailer';

/** `hudson.tasks.Mailer`. */
export interface MailerStep {
  /** Whitespace-separated addresses (a bare name gets the default suffix). */
  readonly recipients: string;
  /** Mail only the first unstable build after a stable one, not every unstable build. */
  readonly dontNotifyEveryUnstableBuild: boolean;
  /** Also mail the authors of the build's changes. */
  readonly sendToIndividuals: boolean;
}

export function parseMailer(el: XmlElementHandle): MailerStep {
  return {
    recipients: el.child('recipients')?.text().trim() ?? '',
    dontNotifyEveryUnstableBuild: readBoolean(el, 'dontNotifyEveryUnstableBuild', false),
    sendToIndividuals: readBoolean(el, 'sendToIndividuals', false),
  };
}
