import { readBoolean, type XmlElementHandle } from '../../xml/index.js';

/** The element a job's `<publishers>` holds for "Editable Email Notification" (the email-ext plugin). */
export const EXTENDED_EMAIL_PUBLISHER = 'hudson.plugins.emailext.ExtendedEmailPublisher';

/** The recipient provider that sends to the project's recipient list. */
export const LIST_RECIPIENT_PROVIDER = 'hudson.plugins.emailext.plugins.recipients.ListRecipientProvider';

/** One trigger's mail (`<email>` of a configured trigger). */
export interface TriggerEmail {
  readonly recipientList: string;
  readonly subject: string;
  readonly body: string;
  readonly replyTo: string;
  readonly contentType: string;
  /** Mail the project's recipient list too (ListRecipientProvider, or the older sendToRecipientList). */
  readonly sendToList: boolean;
  /** Recipient providers and options Steward does not run, by element name: said in the build's log. */
  readonly unsupported: readonly string[];
}

export interface ConfiguredTrigger {
  /** The trigger's element name (`hudson.plugins.emailext.plugins.trigger.FailureTrigger`). */
  readonly element: string;
  readonly email: TriggerEmail;
}

/** `hudson.plugins.emailext.ExtendedEmailPublisher`. */
export interface ExtendedEmailStep {
  readonly recipientList: string;
  readonly replyTo: string;
  readonly defaultSubject: string;
  readonly defaultContent: string;
  readonly contentType: string;
  readonly triggers: readonly ConfiguredTrigger[];
  readonly disabled: boolean;
  /** Options set that Steward does not run (scripts, attachments): said in the build's log. */
  readonly unsupported: readonly string[];
}

function text(el: XmlElementHandle, name: string, fallback = ''): string {
  const t = el.child(name)?.text();
  return t === undefined || t.trim() === '' ? fallback : t;
}

/** Options of the publisher or of a trigger's mail that change what is sent when set, and that Steward does not do. */
function unsupportedOptions(el: XmlElementHandle): string[] {
  const out: string[] = [];
  for (const name of ['presendScript', 'postsendScript']) {
    const t = text(el, name).trim();
    if (t !== '' && t !== '$DEFAULT_PRESEND_SCRIPT' && t !== '$DEFAULT_POSTSEND_SCRIPT') out.push(name);
  }
  if (text(el, 'attachmentsPattern').trim() !== '') out.push('attachmentsPattern');
  if (readBooleanLoose(el, 'attachBuildLog')) out.push('attachBuildLog');
  return out;
}

/** attachBuildLog is a boolean in newer versions, a number (0, 1, 2) in some older ones. */
function readBooleanLoose(el: XmlElementHandle, name: string): boolean {
  const t = text(el, name).trim().toLowerCase();
  return t === 'true' || (t !== '' && /^\d+$/.test(t) && t !== '0');
}

function parseTriggerEmail(el: XmlElementHandle | undefined): TriggerEmail {
  if (el === undefined) {
    return { recipientList: '', subject: '$PROJECT_DEFAULT_SUBJECT', body: '$PROJECT_DEFAULT_CONTENT', replyTo: '$PROJECT_DEFAULT_REPLYTO', contentType: 'project', sendToList: true, unsupported: [] };
  }
  const providers = el.child('recipientProviders')?.children().map((p) => p.name);
  const unsupported = unsupportedOptions(el);
  let sendToList: boolean;
  if (providers !== undefined) {
    sendToList = providers.includes(LIST_RECIPIENT_PROVIDER);
    unsupported.push(...providers.filter((p) => p !== LIST_RECIPIENT_PROVIDER));
  } else if (el.child('sendToRecipientList') !== undefined) {
    // email-ext before 2.38
    sendToList = readBoolean(el, 'sendToRecipientList', false);
    for (const flag of ['sendToDevelopers', 'sendToRequester', 'includeCulprits']) if (readBoolean(el, flag, false)) unsupported.push(flag);
  } else sendToList = true;
  return {
    recipientList: text(el, 'recipientList'),
    subject: text(el, 'subject', '$PROJECT_DEFAULT_SUBJECT'),
    body: text(el, 'body', '$PROJECT_DEFAULT_CONTENT'),
    replyTo: text(el, 'replyTo', '$PROJECT_DEFAULT_REPLYTO'),
    contentType: text(el, 'contentType', 'project').trim(),
    sendToList,
    unsupported,
  };
}

export function parseExtendedEmail(el: XmlElementHandle): ExtendedEmailStep {
  return {
    recipientList: text(el, 'recipientList'),
    replyTo: text(el, 'replyTo', '$DEFAULT_REPLYTO'),
    defaultSubject: text(el, 'defaultSubject', '$DEFAULT_SUBJECT'),
    defaultContent: text(el, 'defaultContent', '$DEFAULT_CONTENT'),
    contentType: text(el, 'contentType', 'default').trim(),
    triggers: (el.child('configuredTriggers')?.children() ?? []).map((t) => ({ element: t.name, email: parseTriggerEmail(t.child('email')) })),
    disabled: readBoolean(el, 'disabled', false),
    unsupported: unsupportedOptions(el),
  };
}
