import type { GlobalConfigurationContext, GlobalConfigurationDescriptor } from '../../extensions/index.js';
import { coerceError } from '../../errors/index.js';
import { parseXml } from '../../xml/index.js';

/** email-ext's global settings ("Extended E-mail Notification"), as Jenkins keeps them. */
export const EMAIL_EXT_SETTINGS_FILE = 'hudson.plugins.emailext.ExtendedEmailPublisher.xml';

/** What $DEFAULT_SUBJECT, $DEFAULT_CONTENT, $DEFAULT_RECIPIENTS and $DEFAULT_REPLYTO stand for. */
export interface EmailExtDefaults {
  readonly subject: string;
  readonly body: string;
  readonly recipients: string;
  readonly replyTo: string;
  /** The content type of `default`: text/plain or text/html. */
  readonly contentType: string;
}

/** The plugin's own defaults (ExtendedEmailPublisherDescriptor). */
export const EMAIL_EXT_DEFAULTS: EmailExtDefaults = {
  subject: '$PROJECT_NAME - Build # $BUILD_NUMBER - $BUILD_STATUS!',
  body: '$PROJECT_NAME - Build # $BUILD_NUMBER - $BUILD_STATUS:\n\nCheck console output at $BUILD_URL to view the results.',
  recipients: '',
  replyTo: '',
  contentType: 'text/plain',
};

export function parseEmailExtDefaults(text: string): { defaults: EmailExtDefaults; ownSmtp: boolean } {
  const root = parseXml(text, EMAIL_EXT_SETTINGS_FILE).root;
  const field = (name: string, fallback: string): string => {
    const t = root.child(name)?.text().replace(/\r\n/g, '\n');
    return t === undefined || t.trim() === '' ? fallback : t;
  };
  return {
    defaults: {
      subject: field('defaultSubject', EMAIL_EXT_DEFAULTS.subject),
      body: field('defaultBody', EMAIL_EXT_DEFAULTS.body),
      recipients: field('recipientList', ''),
      replyTo: field('defaultReplyTo', ''),
      contentType: field('defaultContentType', 'text/plain').trim(),
    },
    ownSmtp: root.child('overrideGlobalSettings')?.text().trim() === 'true' && (root.child('smtpHost')?.text().trim() ?? '') !== '',
  };
}

/** The id email-ext's global settings are registered under (GLOBAL_CONFIGURATION). */
export const EMAIL_EXT_CONFIGURATION = 'hudson.plugins.emailext.ExtendedEmailPublisher';

/** email-ext's global defaults of one controller, read from the home at start. */
export class EmailExtConfiguration implements GlobalConfigurationDescriptor {
  readonly id = EMAIL_EXT_CONFIGURATION;
  readonly displayName = 'Extended E-mail Notification';
  #defaults: EmailExtDefaults = EMAIL_EXT_DEFAULTS;

  get defaults(): EmailExtDefaults {
    return this.#defaults;
  }

  async load(ctx: GlobalConfigurationContext): Promise<readonly string[]> {
    const text = await ctx.readText(EMAIL_EXT_SETTINGS_FILE);
    if (text === undefined) return [];
    try {
      const { defaults, ownSmtp } = parseEmailExtDefaults(text);
      this.#defaults = defaults;
      return ownSmtp
        ? [`${EMAIL_EXT_SETTINGS_FILE}: its own SMTP server (overrideGlobalSettings) is not used; email-ext mails go out through the Mailer's settings (hudson.tasks.Mailer.xml)`]
        : [];
    } catch (err) {
      return [`email-ext's defaults are not used: ${coerceError(err).message}`];
    }
  }
}
