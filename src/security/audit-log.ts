import { createHash } from 'node:crypto';

import { StewardError } from '../errors/index.js';
import type { AppendLog, HomeStore, RotationOptions } from '../home/index.js';
import { ThrottledDigest, type ThrottledAttempt, type ThrottledSummary } from './throttled-digest.js';

/*
 * logs/audit.log: one JSON object per line for each security-relevant change or refusal. Events
 * are typed so that no field can carry a password or a token: tokens appear by uuid and name,
 * credentials by id and class.
 *
 * Anyone can make the controller write some of these (a failed or refused login), so what one
 * request adds is bounded: a text field is at most AUDIT_FIELD_MAX characters, refused logins are
 * counted rather than written one by one (ThrottledDigest), and the file is rotated by size.
 */

export type AuditEvent =
  | { readonly type: 'user.created'; readonly userId: string; readonly actor?: string }
  | { readonly type: 'user.deleted'; readonly userId: string; readonly actor?: string }
  | { readonly type: 'user.password-changed'; readonly userId: string; readonly actor?: string }
  | { readonly type: 'user.password-rehashed'; readonly userId: string; readonly from: string }
  | { readonly type: 'token.created'; readonly userId: string; readonly tokenUuid: string; readonly tokenName: string; readonly actor?: string }
  | { readonly type: 'token.revoked'; readonly userId: string; readonly tokenUuid: string; readonly tokenName: string; readonly actor?: string }
  | { readonly type: 'login.failed'; readonly userId: string; readonly address?: string }
  /** Written as a summary with `count`: see ThrottledDigest. */
  | ThrottledAttempt
  | { readonly type: 'permission.denied'; readonly userId: string | undefined; readonly permission: string; readonly target?: string }
  | { readonly type: 'crumb.rejected'; readonly userId: string | undefined; readonly address?: string }
  /** `kind` is the credentials class (`com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl`). */
  | { readonly type: 'credentials.created'; readonly credentialsId: string; readonly kind: string; readonly actor?: string }
  | { readonly type: 'credentials.updated'; readonly credentialsId: string; readonly kind: string; readonly actor?: string }
  | { readonly type: 'credentials.deleted'; readonly credentialsId: string; readonly kind: string; readonly actor?: string };

/** Where security events go; AuditLog writes them to the home, tests may collect them. */
export interface AuditSink {
  record(event: AuditEvent): Promise<void>;
}

export const AUDIT_LOG = 'logs/audit.log';

/** The longest text an event field holds; a longer one keeps its start and a digest of the whole. */
export const AUDIT_FIELD_MAX = 128;

/** Rotation of logs/audit.log unless configured: 10 MiB a file, five files (about 50 MiB in all). */
export const AUDIT_ROTATION: RotationOptions = { maxBytes: 10 * 1024 * 1024, files: 5 };

export interface AuditLogOptions {
  now?: () => number;
  /** Hears the type of every event recorded, refused logins included (for metrics). */
  observe?: (type: AuditEvent['type']) => void;
  rotation?: RotationOptions;
  /** How often at most one locked user id or address gets a `login.throttled` event. Default one minute. */
  throttledIntervalMs?: number;
}

export class AuditLog implements AuditSink {
  readonly #log: AppendLog;
  readonly #now: () => number;
  readonly #observe: ((type: AuditEvent['type']) => void) | undefined;
  readonly #throttled: ThrottledDigest;
  /** Writes the counts of refused logins that no later refusal wrote. */
  readonly #timer: NodeJS.Timeout;
  #closing: Promise<void> | undefined;

  private constructor(log: AppendLog, opts: AuditLogOptions) {
    this.#log = log;
    this.#now = opts.now ?? Date.now;
    this.#observe = opts.observe;
    const intervalMs = opts.throttledIntervalMs ?? 60_000;
    this.#throttled = new ThrottledDigest({ intervalMs });
    this.#timer = setInterval(() => this.#writeDue(), intervalMs);
    this.#timer.unref();
  }

  /**
   * Opens logs/audit.log for appending, rotated by size (fenced like every write to the home).
   * Close it: it owns a timer.
   */
  static async open(store: HomeStore, opts: AuditLogOptions = {}): Promise<AuditLog> {
    return new AuditLog(await store.openRotating(AUDIT_LOG, opts.rotation ?? AUDIT_ROTATION), opts);
  }

  /**
   * Appends `{"time":"...","event":"user.created",...}` and a newline; a `login.throttled` only
   * when ThrottledDigest says so, with its `count`.
   */
  record(event: AuditEvent): Promise<void> {
    this.#observe?.(event.type);
    if (this.#closing !== undefined) {
      return Promise.reject(new StewardError('STW_HOME_IO', `could not append to ${AUDIT_LOG}: the log is closed`, { file: AUDIT_LOG }));
    }
    if (event.type === 'login.throttled') return this.#writeAll(this.#throttled.add(event, this.#now()));
    return this.#write(event);
  }

  /** Writes the pending counts of refused logins, then closes the file. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#timer);
      try {
        await this.#writeAll(this.#throttled.drain());
      } finally {
        await this.#log.close();
      }
    })();
    return this.#closing;
  }

  #writeDue(): void {
    // A failure here is the log's failure, which every later write reports.
    this.#writeAll(this.#throttled.due(this.#now())).catch(() => undefined);
  }

  async #writeAll(events: readonly ThrottledSummary[]): Promise<void> {
    await Promise.all(events.map((e) => this.#write(e)));
  }

  #write(event: AuditEvent | ThrottledSummary): Promise<void> {
    const { type, ...fields } = event;
    const bounded: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) bounded[name] = typeof value === 'string' ? boundedText(value) : value;
    const line = JSON.stringify({ time: new Date(this.#now()).toISOString(), event: type, ...bounded });
    return this.#log.write(`${line}\n`);
  }
}

/** `text` when short; else its start, `…` and 16 hex digits of its SHA-256, AUDIT_FIELD_MAX in all. */
function boundedText(text: string): string {
  if (text.length <= AUDIT_FIELD_MAX) return text;
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return `${text.slice(0, AUDIT_FIELD_MAX - 1 - digest.length)}…${digest}`;
}
