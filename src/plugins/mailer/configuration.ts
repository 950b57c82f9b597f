import type { GlobalConfigurationContext, GlobalConfigurationDescriptor } from '../../extensions/index.js';
import { DEFAULT_MAIL_SETTINGS, loadMailState, type MailState } from './settings.js';

/** The id the Mailer's global settings are registered under (GLOBAL_CONFIGURATION). */
export const MAILER_CONFIGURATION = 'hudson.tasks.Mailer';

/**
 * The Mailer's global settings of one controller ("E-mail Notification" in Jenkins), read from the
 * home at start; the Mailer and email-ext publishers send with them.
 */
export class MailerConfiguration implements GlobalConfigurationDescriptor {
  readonly id = MAILER_CONFIGURATION;
  readonly displayName = 'E-mail Notification';
  #state: MailState = { kind: 'ready', settings: DEFAULT_MAIL_SETTINGS };

  get state(): MailState {
    return this.#state;
  }

  async load(ctx: GlobalConfigurationContext): Promise<readonly string[]> {
    this.#state = await loadMailState(ctx);
    return this.#state.kind === 'broken' ? [`mail from builds cannot be sent: ${this.#state.reason}`] : [];
  }
}

/** Whether a descriptor of GLOBAL_CONFIGURATION is the Mailer's (for email-ext, which sends with it). */
export function isMailerConfiguration(d: GlobalConfigurationDescriptor | undefined): d is MailerConfiguration {
  return d instanceof MailerConfiguration;
}
