import nodemailer from 'nodemailer';
import { isMailAddress, type MailSettings } from './settings.js';

/** A mail a build sends. */
export interface MailMessage {
  readonly to: readonly string[];
  readonly subject: string;
  readonly body: string;
  /** The body is HTML (email-ext's text/html) rather than plain text. */
  readonly html?: boolean;
  /** Overrides the settings' reply-to address. */
  readonly replyTo?: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

/** How long one mail may take, in parts and in all: an SMTP server that hangs does not hold the build. */
export interface SendLimits {
  connectMs: number;
  /** Each read or write on the connection. */
  socketMs: number;
  /** The whole mail, from connecting to the server's answer. */
  totalMs: number;
}

export const DEFAULT_SEND_LIMITS: SendLimits = { connectMs: 10_000, socketMs: 30_000, totalMs: 60_000 };

/** At most this many recipients a mail. */
export const MAX_RECIPIENTS = 500;

/**
 * Recipients from a whitespace- or comma-separated list, as Jenkins' MimeMessageBuilder reads
 * them: a bare name gets the default suffix (`bob` + `@example.com`); what is not an address is
 * left out and returned, to be said in the build's log.
 */
export function parseRecipients(list: string, defaultSuffix: string | undefined): { addresses: string[]; invalid: string[] } {
  const addresses: string[] = [];
  const invalid: string[] = [];
  for (const token of list.split(/[\s,]+/)) {
    if (token === '') continue;
    const address = !token.includes('@') && defaultSuffix !== undefined ? `${token}${defaultSuffix}` : token;
    if (isMailAddress(address)) {
      if (!addresses.includes(address)) addresses.push(address);
    } else invalid.push(token);
  }
  return { addresses, invalid };
}

/**
 * Sends `message` through the settings' SMTP server within `limits`, or when `signal` aborts
 * gives up. Resolves with the message id; rejects with an error whose message never holds the
 * SMTP password.
 */
export async function sendMail(settings: MailSettings, message: MailMessage, opts: { signal?: AbortSignal; limits?: SendLimits } = {}): Promise<string> {
  const limits = opts.limits ?? DEFAULT_SEND_LIMITS;
  const transport = nodemailer.createTransport({
    host: settings.smtpHost,
    port: settings.smtpPort,
    secure: settings.useSsl,
    requireTLS: settings.useTls,
    ...(settings.auth === undefined ? {} : { auth: { user: settings.auth.username, pass: settings.auth.password() } }),
    connectionTimeout: limits.connectMs,
    greetingTimeout: limits.connectMs,
    dnsTimeout: limits.connectMs,
    socketTimeout: limits.socketMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the SMTP server ${settings.smtpHost}:${settings.smtpPort} did not take the mail within ${limits.totalMs / 1000} s`)), limits.totalMs);
    onAbort = () => reject(new Error('the build was stopped'));
    if (opts.signal?.aborted === true) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const info = await Promise.race([
      transport.sendMail({
        from: settings.adminAddress,
        to: [...message.to],
        ...(message.replyTo ?? settings.replyToAddress) === undefined ? {} : { replyTo: message.replyTo ?? settings.replyToAddress },
        subject: message.subject,
        ...(message.html === true ? { html: message.body } : { text: message.body }),
        headers: { ...message.headers },
      }),
      stopped,
    ]);
    return String(info.messageId);
  } catch (err) {
    // Without the cause: the client's error carries the SMTP conversation, which is not to be logged.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(withoutPassword(err, settings));
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) opts.signal?.removeEventListener('abort', onAbort);
    transport.close();
  }
}

/** The failure in words, the SMTP password (and its base64, as AUTH PLAIN and LOGIN send it) cut out. */
function withoutPassword(err: unknown, settings: MailSettings): string {
  let text = err instanceof Error ? err.message : String(err);
  const password = settings.auth?.password() ?? '';
  if (password !== '') {
    for (const form of [password, Buffer.from(password).toString('base64')]) text = text.split(form).join('****');
  }
  return text;
}
