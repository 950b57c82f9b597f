import type { PublisherDescriptor } from '../../jobs/index.js';
import { deliver, previousBuild, previousResult, type MailerConfiguration } from '../mailer/index.js';
import { EXTENDED_EMAIL_PUBLISHER, parseExtendedEmail, type ConfiguredTrigger, type ExtendedEmailStep } from './config.js';
import type { EmailExtConfiguration } from './settings.js';
import { expandTokens, type DefaultTexts, type TokenValues } from './tokens.js';
import { TRIGGERS, buildStatus, type TriggerFacts, type TriggerKind } from './triggers.js';

/** Bytes of the log's end ${BUILD_LOG} reads. */
const MAX_BUILD_LOG_BYTES = 1024 * 1024;
/** The longest subject kept. */
const MAX_SUBJECT_CHARS = 1000;

/** The triggers that fire, less those another firing one stands in for (email-ext's replace list). */
function firing(step: ExtendedEmailStep, facts: TriggerFacts): { trigger: ConfiguredTrigger; kind: TriggerKind }[] {
  const fired = step.triggers.flatMap((trigger) => {
    const kind = TRIGGERS.get(trigger.element);
    return kind !== undefined && kind.fires(facts) ? [{ trigger, kind }] : [];
  });
  const replaced = new Set(fired.flatMap((f) => f.kind.replaces));
  return fired.filter((f) => !replaced.has(f.kind.name));
}

/**
 * hudson.plugins.emailext.ExtendedEmailPublisher ("Editable Email Notification"): each configured
 * trigger that fires on the build's result sends its mail, subject and body with email-ext's
 * tokens expanded, through the Mailer's SMTP settings. Triggers, recipient providers and options
 * Steward does not have are said in the build's log, where they would have acted.
 */
export function extendedEmailPublisher(mailer: MailerConfiguration, config: EmailExtConfiguration): PublisherDescriptor {
  return {
    id: EXTENDED_EMAIL_PUBLISHER,
    displayName: 'Editable Email Notification',
    create(step) {
      const s = parseExtendedEmail(step.element);
      const unknown = s.triggers.filter((t) => !TRIGGERS.has(t.element)).map((t) => `trigger ${t.element}`);
      const options = [...new Set([...s.unsupported, ...s.triggers.flatMap((t) => (TRIGGERS.has(t.element) ? t.email.unsupported : []))])].map((o) => `option ${o}`);
      return {
        notifier: true,
        notRun: [...unknown, ...options].map((name) => ({ name, treatment: 'skipped' as const, reason: 'email-ext sends no mail for it here; the mail of the other triggers is sent' })),
        async perform(ctx, result) {
          if (s.disabled) {
            ctx.log('Extended Email Publisher is currently disabled in project settings');
            return undefined;
          }
          for (const t of s.triggers) {
            if (!TRIGGERS.has(t.element)) ctx.log(`WARNING: email-ext trigger ${t.element} is not supported by this controller; it was not evaluated`);
          }
          const prev = await previousBuild(ctx.run);
          const facts: TriggerFacts = { result, previous: prev?.record.result, previousCompleted: await previousResult(ctx.run) };
          const fired = firing(s, facts);
          if (fired.length === 0) {
            ctx.log('No emails were triggered.');
            return undefined;
          }
          for (const f of fired) ctx.log(`Email was triggered for: ${f.kind.name}`);
          const globals = config.defaults;
          const values: TokenValues = {
            jobName: ctx.jobName,
            buildNumber: ctx.buildNumber,
            buildStatus: buildStatus(facts),
            env: ctx.env,
            logTail: (maxLines) => ctx.logTail(maxLines, MAX_BUILD_LOG_BYTES),
          };
          const defaults: DefaultTexts = {
            DEFAULT_SUBJECT: globals.subject,
            DEFAULT_CONTENT: globals.body,
            DEFAULT_RECIPIENTS: globals.recipients,
            DEFAULT_REPLYTO: globals.replyTo,
            PROJECT_DEFAULT_SUBJECT: s.defaultSubject,
            PROJECT_DEFAULT_CONTENT: s.defaultContent,
            PROJECT_DEFAULT_REPLYTO: s.replyTo,
          };
          const expand = (text: string): Promise<string> => expandTokens(text, defaults, values);
          for (const { trigger, kind } of fired) {
            ctx.log(`Sending email for trigger: ${kind.name}`);
            for (const option of [...s.unsupported, ...trigger.email.unsupported]) {
              ctx.log(`WARNING: email-ext option ${option} is not supported by this controller; the mail is sent without it`);
            }
            const e = trigger.email;
            const recipients = `${e.sendToList ? await expand(s.recipientList) : ''} ${await expand(e.recipientList)}`.replace(/(^|[\s,])b?cc:/gi, '$1');
            const contentType = e.contentType === 'project' ? s.contentType : e.contentType;
            const replyTo = (await expand(e.replyTo)).trim();
            await deliver(
              ctx,
              mailer.state,
              {
                subject: (await expand(e.subject)).replace(/\s+/g, ' ').trim().slice(0, MAX_SUBJECT_CHARS),
                body: await expand(e.body),
                html: (contentType === 'default' ? globals.contentType : contentType) === 'text/html',
                replyTo: replyTo === '' ? undefined : replyTo,
              },
              { recipients, sendToIndividuals: false, result, announce: 'Sending email to:' },
            );
          }
          return undefined;
        },
      };
    },
  };
}
