/**
 * The email-ext plugin (`email-ext`): "Editable Email Notification"
 * (`hudson.plugins.emailext.ExtendedEmailPublisher`), whose triggers (Failure - Any, Failure -
 * Still, Fixed, Always, Success, Unstable) each send a mail with email-ext's tokens, and its
 * global defaults (`hudson.plugins.emailext.ExtendedEmailPublisher.xml`). Mail goes out through the
 * mailer plugin's SMTP settings, so the mailer registers first.
 */
import { GLOBAL_CONFIGURATION, type BuiltInPlugin } from '../../extensions/index.js';
import { StewardError } from '../../errors/index.js';
import { PUBLISHER } from '../../jobs/index.js';
import { MAILER_CONFIGURATION, isMailerConfiguration } from '../mailer/index.js';
import { extendedEmailPublisher } from './publisher.js';
import { EmailExtConfiguration } from './settings.js';

export { EXTENDED_EMAIL_PUBLISHER, parseExtendedEmail, type ExtendedEmailStep } from './config.js';
export { EMAIL_EXT_SETTINGS_FILE, EMAIL_EXT_DEFAULTS, EmailExtConfiguration, type EmailExtDefaults } from './settings.js';
export { expandTokens, type DefaultTexts, type TokenValues } from './tokens.js';

export const plugin: BuiltInPlugin = {
  name: 'email-ext',
  register(registry) {
    const mailer = registry.find(GLOBAL_CONFIGURATION, MAILER_CONFIGURATION);
    if (!isMailerConfiguration(mailer)) throw new StewardError('STW_INTERNAL', 'email-ext needs the mailer plugin registered before it');
    const config = new EmailExtConfiguration();
    registry.register(GLOBAL_CONFIGURATION, config);
    registry.register(PUBLISHER, extendedEmailPublisher(mailer, config));
  },
};
