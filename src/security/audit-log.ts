import type { AppendLog, HomeStore } from '../home/index.js';

/*
 * logs/audit.log: one JSON object per line for each security-relevant change or refusal. Events
 * are typed so that no field can carry a password or a token: tokens appear by uuid and name,
 * credentials by id and class.
 */

export type AuditEvent =
  | { readonly type: 'user.created'; readonly userId: string; readonly actor?: string }
  | { readonly type: 'user.deleted'; readonly userId: string; readonly actor?: string }
  | { readonly type: 'user.password-changed'; readonly userId: string; readonly actor?: string }
  | { readonly type: 'user.password-rehashed'; readonly userId: string; readonly from: string }
  | { readonly type: 'token.created'; readonly userId: string; readonly tokenUuid: string; readonly tokenName: string; readonly actor?: string }
  | { readonly type: 'token.revoked'; readonly userId: string; readonly tokenUuid: string; readonly tokenName: string; readonly actor?: string }
  | { readonly type: 'login.failed'; readonly userId: string; readonly address?: string }
  | { readonly type: 'login.throttled'; readonly userId: string; readonly address?: string; readonly retryAfterMs: number }
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

export class AuditLog implements AuditSink {
  readonly #log: AppendLog;
  readonly #now: () => number;
  readonly #observe: ((type: AuditEvent['type']) => void) | undefined;

  private constructor(log: AppendLog, now: () => number, observe: ((type: AuditEvent['type']) => void) | undefined) {
    this.#log = log;
    this.#now = now;
    this.#observe = observe;
  }

  /**
   * Opens logs/audit.log for appending (fenced like every write to the home). `observe` hears the
   * type of every event recorded (for metrics).
   */
  static async open(store: HomeStore, opts: { now?: () => number; observe?: (type: AuditEvent['type']) => void } = {}): Promise<AuditLog> {
    return new AuditLog(await store.openAppend(AUDIT_LOG), opts.now ?? Date.now, opts.observe);
  }

  /** Appends `{"time":"...","event":"user.created",...}` and a newline. */
  record(event: AuditEvent): Promise<void> {
    this.#observe?.(event.type);
    const { type, ...fields } = event;
    const line = JSON.stringify({ time: new Date(this.#now()).toISOString(), event: type, ...fields });
    return this.#log.write(`${line}\n`);
  }

  close(): Promise<void> {
    return this.#log.close();
  }
}
