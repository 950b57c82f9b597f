import { inspect } from 'node:util';
import type { GlobalConfigurationContext } from '../../extensions/index.js';
import { coerceError } from '../../errors/index.js';
import { configInvalid, parseXml, readBoolean, type XmlElementHandle } from '../../xml/index.js';

/** The Mailer's global settings, as Jenkins' mailer plugin keeps them ("E-mail Notification"). */
export const MAILER_SETTINGS_FILE = 'hudson.tasks.Mailer.xml';
/** Where Jenkins keeps "System Admin e-mail address", the mails' From (and the Jenkins URL). */
export const LOCATION_SETTINGS_FILE = 'jenkins.model.JenkinsLocationConfiguration.xml';

/** Jenkins' From when no admin address is set (jenkins.model.JenkinsLocationConfiguration). */
export const DEFAULT_ADMIN_ADDRESS = 'address not configured yet <nobody@nowhere>';

/**
 * The SMTP user and password. The password is kept out of every rendering of the settings
 * (JSON, util.inspect, pino), so that no log line or answer can carry it.
 */
export class SmtpAuthentication {
  readonly username: string;
  readonly #password: string;

  constructor(username: string, password: string) {
    this.username = username;
    this.#password = password;
  }

  /** The clear password, for the SMTP client alone. */
  password(): string {
    return this.#password;
  }

  toJSON(): { username: string; password: string } {
    return { username: this.username, password: '****' };
  }

  [inspect.custom](): string {
    return `SmtpAuthentication { username: ${JSON.stringify(this.username)}, password: '****' }`;
  }
}

/** Where mail goes out and how it is addressed. */
export interface MailSettings {
  /** `localhost` when not set, as JavaMail's default. */
  readonly smtpHost: string;
  /** 25, or 465 with SSL, when not set. */
  readonly smtpPort: number;
  /** SMTP over SSL from the first byte (SMTPS). */
  readonly useSsl: boolean;
  /** STARTTLS is required: a server that does not offer it is not sent to. */
  readonly useTls: boolean;
  readonly auth: SmtpAuthentication | undefined;
  readonly replyToAddress: string | undefined;
  /** `@example.com`: added to a recipient that is a bare user name. */
  readonly defaultSuffix: string | undefined;
  /** The charset Jenkins would write; Steward writes UTF-8 (see docs/api-compatibility.md). */
  readonly charset: string;
  /** The From: `adminAddress` of the location configuration. */
  readonly adminAddress: string;
}

export const DEFAULT_MAIL_SETTINGS: MailSettings = {
  smtpHost: 'localhost',
  smtpPort: 25,
  useSsl: false,
  useTls: false,
  auth: undefined,
  replyToAddress: undefined,
  defaultSuffix: undefined,
  charset: 'UTF-8',
  adminAddress: DEFAULT_ADMIN_ADDRESS,
};

/** Whether mail can be sent, and with what; otherwise why not (a file that cannot be used). */
export type MailState = { readonly kind: 'ready'; readonly settings: MailSettings } | { readonly kind: 'broken'; readonly reason: string };

/** An address as a mail header holds it: `a@b.c` or `Name <a@b.c>`. */
const ADDRESS = /^(?:[^<>\r\n]*<[^\s<>@,;]+@[^\s<>@,;]+>|[^\s<>@,;]+@[^\s<>@,;]+)$/;

export function isMailAddress(text: string): boolean {
  return ADDRESS.test(text);
}

/** One field's text, trimmed; undefined when missing or empty (Jenkins' Util.fixEmptyAndTrim). */
function field(el: XmlElementHandle, name: string): string | undefined {
  const text = el.child(name)?.text().trim() ?? '';
  return text === '' ? undefined : text;
}

function readPort(el: XmlElementHandle, fallback: number): number {
  const port = el.child('smtpPort');
  const text = port?.text().trim() ?? '';
  if (port === undefined || text === '') return fallback;
  const value = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 1 && value <= 65_535)) throw configInvalid(port, port.path, `expected a port from 1 to 65535, got ${JSON.stringify(text)}`);
  return value;
}

function readAddress(el: XmlElementHandle, name: string): string | undefined {
  const value = field(el, name);
  const at = el.child(name);
  if (value !== undefined && at !== undefined && !isMailAddress(value)) {
    throw configInvalid(at, at.path, `expected a mail address such as ci@example.com or "CI <ci@example.com>", got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The SMTP user and password in any of the forms the mailer plugin has written: `<authentication>`
 * (SMTPAuthentication, mailer 1.24 and later), and the older `<smtpAuthUsername>` with
 * `<smtpAuthPasswordSecret>` or `<smtpAuthPassword>`. The password is a Jenkins Secret, opened with
 * the home's keys.
 */
function readAuthentication(root: XmlElementHandle, file: string, ctx: GlobalConfigurationContext): SmtpAuthentication | undefined {
  const nested = root.child('authentication') ?? root.child('smtpAuth');
  const holder = nested ?? root;
  const username = field(holder, nested === undefined ? 'smtpAuthUsername' : 'username');
  if (username === undefined) return undefined;
  const names = nested === undefined ? ['smtpAuthPasswordSecret', 'smtpAuthPassword'] : ['password'];
  const name = names.find((n) => holder.child(n) !== undefined);
  const el = name === undefined ? undefined : holder.child(name);
  const stored = el?.text().trim() ?? '';
  const password = el === undefined || stored === '' ? '' : ctx.secret(stored, { file, field: el.path, ...(el.line === undefined ? {} : { line: el.line }) });
  return new SmtpAuthentication(username, password);
}

/** The Mailer's settings from the text of `hudson.tasks.Mailer.xml`; throws naming file, line and field. */
export function parseMailerSettings(text: string, ctx: GlobalConfigurationContext, base: MailSettings = DEFAULT_MAIL_SETTINGS): MailSettings {
  const root = parseXml(text, MAILER_SETTINGS_FILE).root;
  const useSsl = readBoolean(root, 'useSsl', false);
  const suffix = field(root, 'defaultSuffix');
  const suffixAt = root.child('defaultSuffix');
  if (suffix !== undefined && suffixAt !== undefined && !/^@[^\s@<>,;]+$/.test(suffix)) {
    // Jenkins' Mailer.Suffix.Error
    throw configInvalid(suffixAt, suffixAt.path, `should be '@' followed by a domain name, got ${JSON.stringify(suffix)}`);
  }
  return {
    ...base,
    smtpHost: field(root, 'smtpHost') ?? 'localhost',
    smtpPort: readPort(root, useSsl ? 465 : 25),
    useSsl,
    useTls: readBoolean(root, 'useTls', false),
    auth: readAuthentication(root, MAILER_SETTINGS_FILE, ctx),
    replyToAddress: readAddress(root, 'replyToAddress'),
    defaultSuffix: suffix,
    charset: field(root, 'charset') ?? 'UTF-8',
  };
}

/** The From of `jenkins.model.JenkinsLocationConfiguration.xml` (`adminAddress`); the default when it has none. */
export function parseAdminAddress(text: string): string {
  const root = parseXml(text, LOCATION_SETTINGS_FILE).root;
  return readAddress(root, 'adminAddress') ?? DEFAULT_ADMIN_ADDRESS;
}

/**
 * Reads both files of the home. A file that cannot be used leaves mail broken, saying why, and
 * is one problem in the answer; a missing file means Jenkins' defaults.
 */
export async function loadMailState(ctx: GlobalConfigurationContext): Promise<MailState> {
  let settings = DEFAULT_MAIL_SETTINGS;
  try {
    const location = await ctx.readText(LOCATION_SETTINGS_FILE);
    if (location !== undefined) settings = { ...settings, adminAddress: parseAdminAddress(location) };
    const mailer = await ctx.readText(MAILER_SETTINGS_FILE);
    if (mailer !== undefined) settings = parseMailerSettings(mailer, ctx, settings);
  } catch (err) {
    return { kind: 'broken', reason: coerceError(err).message };
  }
  return { kind: 'ready', settings };
}
