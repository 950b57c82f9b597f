import type { BuildContext, Result, RunView } from '../../jobs/index.js';
import type { MailState } from './settings.js';
import { MAX_RECIPIENTS, parseRecipients, sendMail, type MailMessage, type SendLimits } from './transport.js';

/*
 * Jenkins' hudson.tasks.MailSender: which build gets a mail, and the mail's subject and body,
 * word for word.
 */

/** Lines of the log a failure mail carries (Jenkins' hudson.mail.maxLogLines). */
export const MAX_LOG_LINES = 250;
/** Bytes of the log's end those lines are taken from: a build that writes one endless line does not make a huge mail. */
export const MAX_LOG_TAIL_BYTES = 256 * 1024;
/** The action Jenkins keeps the Message-ID of a build's mail in, for the next mail's In-Reply-To. */
export const MAIL_MESSAGE_ID_ACTION = 'hudson.tasks.MailMessageIdAction';

/**
 * The result of the newest earlier build that was not ABORTED or NOT_BUILT (MailSender's
 * findPreviousBuildResult); undefined when there is none.
 */
export async function previousResult(run: RunView): Promise<Result | undefined> {
  for await (const b of run.previous()) {
    const r = b.record.result;
    if (r !== 'ABORTED' && r !== 'NOT_BUILT') return r;
  }
  return undefined;
}

/** The build just before this one that has ended (Jenkins' getPreviousBuild), if any. */
export async function previousBuild(run: RunView): Promise<RunView | undefined> {
  for await (const b of run.previous()) return b;
  return undefined;
}

/** One change of a build, as Jenkins' ChangeLogSet.Entry gives it to the Mailer. */
export interface Change {
  /** The author's full name (for Git, the committer unless the job has AuthorInChangelog, as the plugin says). */
  readonly author: string;
  readonly email: string;
  /** Its title (Jenkins' getMsg). */
  readonly message: string;
}

/** The build's changes, read by the job's SCM from its changelog; none without one. */
export async function buildChanges(run: RunView): Promise<Change[]> {
  const items = (await run.changeSet()).items;
  if (!Array.isArray(items)) return [];
  return items.map((item: unknown) => {
    const i = (item ?? {}) as { author?: { fullName?: unknown }; authorEmail?: unknown; comment?: unknown; msg?: unknown };
    const text = (v: unknown): string => (typeof v === 'string' ? v : '');
    return { author: text(i.author?.fullName), email: text(i.authorEmail), message: text(i.msg) || text(i.comment) };
  });
}

/** The mail Jenkins would send for this build and result; undefined when it sends none. */
export async function composeMail(
  ctx: BuildContext,
  result: Result,
  opts: { dontNotifyEveryUnstableBuild: boolean },
): Promise<{ subject: string; body: string } | undefined> {
  const name = `${ctx.jobName} #${ctx.buildNumber}`;
  const url = ctx.env.BUILD_URL ?? '';
  if (result === 'FAILURE') {
    const changes = await buildChanges(ctx.run);
    let body = `See <${url}${changes.length > 0 ? 'changes' : ''}>\n\nChanges:\n\n`;
    for (const c of changes) {
      body += `[${c.author}] ${c.message}${c.message.endsWith('\n') ? '' : '\n'}\n`;
    }
    body += '\n------------------------------------------\n';
    for (const line of await ctx.logTail(MAX_LOG_LINES, MAX_LOG_TAIL_BYTES)) body += `${line.replaceAll('\0', ' ')}\n`;
    return { subject: `Build failed in Jenkins: ${name}`, body };
  }
  if (result === 'UNSTABLE') {
    if (opts.dontNotifyEveryUnstableBuild) {
      const prev = await previousResult(ctx.run);
      if (prev !== 'SUCCESS' && prev !== undefined) return undefined;
    }
    const prev = await previousBuild(ctx.run);
    const changes = await buildChanges(ctx.run);
    let caption = 'Jenkins build is unstable:';
    let link = `${url}${changes.length > 0 ? 'changes' : ''}`;
    if (prev?.record.result === 'SUCCESS') caption = 'Jenkins build became unstable:';
    else if (prev?.record.result === 'UNSTABLE') {
      caption = 'Jenkins build is still unstable:';
      // Still unstable, and this build or the one before has changes: the job's changes page.
      if (changes.length > 0 || (await buildChanges(prev)).length > 0) link = `${ctx.env.JOB_URL ?? ''}changes`;
    }
    return { subject: `${caption} ${name}`, body: `See <${link}>\n\n` };
  }
  if (result === 'SUCCESS') {
    const prev = await previousResult(ctx.run);
    if (prev !== 'FAILURE' && prev !== 'UNSTABLE') return undefined;
    const changes = await buildChanges(ctx.run);
    return {
      subject: `Jenkins build is back to ${prev === 'FAILURE' ? 'normal' : 'stable'} : ${name}`,
      body: `See <${url}${changes.length > 0 ? 'changes' : ''}>\n\n`,
    };
  }
  return undefined;
}

/** The Message-ID of the mail the build before this one sent, unless that build succeeded (then this mail starts a new thread). */
async function inReplyTo(run: RunView): Promise<string | undefined> {
  const prev = await previousBuild(run);
  if (prev === undefined || prev.record.result === 'SUCCESS') return undefined;
  const action = prev.record.actions?.find((a) => a.name === MAIL_MESSAGE_ID_ACTION);
  const id = action?.children?.find((c) => c.name === 'messageId')?.text;
  return id === undefined || !/^<[^\s<>]+>$/.test(id) ? undefined : id;
}

/**
 * Sends a mail of the build to `recipients` (and the authors of its changes with
 * `sendToIndividuals`), saying in its log to whom, or why not. A mail that cannot be sent is a
 * line in the log, never a changed result (Jenkins logs it too).
 */
export async function deliver(
  ctx: BuildContext,
  state: MailState,
  mail: { subject: string; body: string; html?: boolean; replyTo?: string | undefined },
  list: { recipients: string; sendToIndividuals: boolean; result: Result; /** The log's words before the addresses. */ announce?: string },
  limits?: SendLimits,
): Promise<void> {
  const suffix = state.kind === 'ready' ? state.settings.defaultSuffix : undefined;
  const { addresses, invalid } = parseRecipients(list.recipients, suffix);
  for (const token of invalid) ctx.log(`Unable to send to address: ${token}: it is not a mail address`);
  if (list.sendToIndividuals) {
    for (const c of await buildChanges(ctx.run)) {
      const email = c.email;
      if (email !== '' && !addresses.includes(email) && parseRecipients(email, undefined).invalid.length === 0) addresses.push(email);
    }
  }
  if (addresses.length === 0) {
    ctx.log('An attempt to send an e-mail to empty list of recipients, ignored.');
    return;
  }
  const to = addresses.slice(0, MAX_RECIPIENTS);
  if (addresses.length > to.length) ctx.log(`WARNING: only the first ${MAX_RECIPIENTS} of ${addresses.length} recipients get this e-mail`);
  ctx.log(`${list.announce ?? 'Sending e-mails to:'} ${to.join(' ')}`);
  if (state.kind === 'broken') {
    ctx.log(`WARNING: Failed to send out e-mail: ${state.reason}`);
    ctx.warn(`the e-mail of ${ctx.jobName} #${ctx.buildNumber} was not sent: ${state.reason}`);
    return;
  }
  const replyId = await inReplyTo(ctx.run);
  const message: MailMessage = {
    to,
    // What a build's environment or parameters hold is masked as in its log.
    subject: ctx.maskSecrets(mail.subject).replace(/[\r\n]+/g, ' '),
    body: ctx.maskSecrets(mail.body),
    ...(mail.html === true ? { html: true } : {}),
    replyTo: mail.replyTo,
    headers: {
      'X-Jenkins-Job': ctx.jobName,
      'X-Jenkins-Result': list.result,
      'Auto-submitted': 'auto-generated',
      ...(replyId === undefined ? {} : { 'In-Reply-To': replyId, References: replyId }),
    },
  };
  try {
    const id = await sendMail(state.settings, message, { signal: ctx.signal, ...(limits === undefined ? {} : { limits }) });
    ctx.addAction({ name: MAIL_MESSAGE_ID_ACTION, children: [{ name: 'messageId', text: id }] });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    ctx.log(`WARNING: Failed to send out e-mail: ${reason}`);
    ctx.warn(`the e-mail of ${ctx.jobName} #${ctx.buildNumber} was not sent: ${reason}`);
  }
}
