import { createHash } from 'node:crypto';

import { StewardError } from '../errors/index.js';
import type { AppendLog, HomeStore, RotationOptions } from '../home/index.js';
import { idKey } from './authentication.js';
import { CountedEvents, type Counted, type MoreEvents } from './counted-events.js';

/*
 * logs/audit.log: one JSON object per line for each security-relevant change or refusal. Events
 * are typed so that no field can carry a password or a token: tokens appear by uuid and name,
 * credentials by id and class.
 *
 * Anyone can make the controller write some of these (a failed or refused login; where anonymous
 * users may read, a POST without a crumb or an action they may not take), so what one request adds
 * is bounded: a text field is at most AUDIT_FIELD_MAX characters, refused logins and anonymous
 * refusals are counted rather than written one by one (CountedEvents), and the file is rotated by
 * size. The refusals of a signed-in user are written one by one: they are accountable for them.
 */

/** A login refused by the throttle, as the audit log is told of it. */
export interface ThrottledAttempt {
  readonly type: 'login.throttled';
  readonly userId: string;
  readonly address?: string;
  readonly retryAfterMs: number;
  /** Which lock refused it: the user id's, or the address's (then the user id may be anything). */
  readonly lockedBy: 'user' | 'address';
}

/** What the audit log writes for refused logins: the last one, and how many it stands for. */
export type ThrottledSummary = Counted<ThrottledAttempt>;

export type AuditEvent =
  | { readonly type: 'user.created'; readonly userId: string; readonly actor?: string }
  | { readonly type: 'user.deleted'; readonly userId: string; readonly actor?: string }
  | { readonly type: 'user.password-changed'; readonly userId: string; readonly actor?: string }
  | { readonly type: 'user.password-rehashed'; readonly userId: string; readonly from: string }
  | { readonly type: 'token.created'; readonly userId: string; readonly tokenUuid: string; readonly tokenName: string; readonly actor?: string }
  | { readonly type: 'token.revoked'; readonly userId: string; readonly tokenUuid: string; readonly tokenName: string; readonly actor?: string }
  | { readonly type: 'login.failed'; readonly userId: string; readonly address?: string }
  /** Written with `count`, as those of anonymous callers below: see CountedEvents. */
  | ThrottledAttempt
  | { readonly type: 'permission.denied'; readonly userId: string | undefined; readonly address?: string; readonly permission: string; readonly target?: string }
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
  /**
   * How often at most one counted key gets an event: a locked user id or address for
   * `login.throttled`, an anonymous caller's address (and permission and target) for
   * `crumb.rejected` and `permission.denied`. Default one minute.
   */
  throttledIntervalMs?: number;
  /** At most this many counted keys are tracked; the events of others are written as one "and N more" per type. Default 10 000. */
  maxCountedKeys?: number;
}

/** The events that are counted rather than written one by one, when `countedKey` gives a key. */
type CountedEvent = Extract<AuditEvent, { type: 'login.throttled' | 'crumb.rejected' | 'permission.denied' }>;

/** What is written: an event, several alike with their count, or the count of those past the bound. */
type Written = AuditEvent | Counted<CountedEvent> | MoreEvents<CountedEvent['type']>;

export class AuditLog implements AuditSink {
  readonly #log: AppendLog;
  readonly #now: () => number;
  readonly #observe: ((type: AuditEvent['type']) => void) | undefined;
  readonly #counted: CountedEvents<CountedEvent>;
  /** Writes the counts that no later event wrote. */
  readonly #timer: NodeJS.Timeout;
  #closing: Promise<void> | undefined;

  private constructor(log: AppendLog, opts: AuditLogOptions) {
    this.#log = log;
    this.#now = opts.now ?? Date.now;
    this.#observe = opts.observe;
    const intervalMs = opts.throttledIntervalMs ?? 60_000;
    this.#counted = new CountedEvents({ intervalMs, ...(opts.maxCountedKeys === undefined ? {} : { maxKeys: opts.maxCountedKeys }) });
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
   * Appends `{"time":"...","event":"user.created",...}` and a newline; a counted event (see
   * `countedKey`) only when CountedEvents says so, with its `count`.
   */
  record(event: AuditEvent): Promise<void> {
    this.#observe?.(event.type);
    if (this.#closing !== undefined) {
      return Promise.reject(new StewardError('STW_HOME_IO', `could not append to ${AUDIT_LOG}: the log is closed`, { file: AUDIT_LOG }));
    }
    const counted = countedKey(event);
    // Bounded before it is kept: up to maxCountedKeys of them wait in memory.
    if (counted !== undefined) return this.#writeAll(this.#counted.add(counted.key, boundedFields(counted.event), this.#now()));
    return this.#write(event);
  }

  /** Writes the pending counts, then closes the file. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#timer);
      try {
        await this.#writeAll(this.#counted.drain());
      } finally {
        await this.#log.close();
      }
    })();
    return this.#closing;
  }

  #writeDue(): void {
    // A failure here is the log's failure, which every later write reports.
    this.#writeAll(this.#counted.due(this.#now())).catch(() => undefined);
  }

  async #writeAll(events: readonly Written[]): Promise<void> {
    await Promise.all(events.map((e) => this.#write(e)));
  }

  #write(event: Written): Promise<void> {
    const { type, ...fields } = boundedFields(event);
    const line = JSON.stringify({ time: new Date(this.#now()).toISOString(), event: type, ...fields });
    return this.#log.write(`${line}\n`);
  }
}

/**
 * What alike events are counted under: a lock for refused logins; for anonymous callers, their
 * address, and the permission and target they were refused. Undefined for every other event,
 * which is written on its own.
 */
function countedKey(event: AuditEvent): { key: string; event: CountedEvent } | undefined {
  switch (event.type) {
    case 'login.throttled':
      return keyed(event, event.lockedBy === 'address' && event.address !== undefined ? ['address', event.address] : ['user', idKey(event.userId)]);
    case 'crumb.rejected':
      return event.userId === undefined ? keyed(event, [event.address ?? '']) : undefined;
    case 'permission.denied':
      return event.userId === undefined ? keyed(event, [event.address ?? '', event.permission, event.target ?? '']) : undefined;
    default:
      return undefined;
  }
}

function keyed(event: CountedEvent, parts: string[]): { key: string; event: CountedEvent } {
  return { key: boundedText(JSON.stringify([event.type, ...parts])), event };
}

/** The event with every text field bounded (boundedText). */
function boundedFields<E extends object>(event: E): E {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(event)) out[name] = typeof value === 'string' && name !== 'type' ? boundedText(value) : value;
  return out as E;
}

/** `text` when short; else its start, `…` and 16 hex digits of its SHA-256, AUDIT_FIELD_MAX in all. */
function boundedText(text: string): string {
  if (text.length <= AUDIT_FIELD_MAX) return text;
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return `${text.slice(0, AUDIT_FIELD_MAX - 1 - digest.length)}…${digest}`;
}
