/**
 * Steward's one error type. Every error a user can see carries a stable `code` (listed in
 * docs/errors.md), a message in plain words, and the underlying `cause` when there is one.
 * The HTTP layer maps codes to statuses in one table (src/web/errors.ts).
 */
export type ErrorCode =
  | 'STW_HOME_LOCKED'
  | 'STW_HOME_FENCED'
  | 'STW_HOME_IO'
  | 'STW_HOME_FULL'
  | 'STW_LEASE_LOST'
  | 'STW_CONFIG_INVALID'
  | 'STW_XML_MALFORMED'
  | 'STW_JOB_NOT_FOUND'
  | 'STW_JOB_EXISTS'
  | 'STW_JOB_BROKEN'
  | 'STW_JOB_DISABLED'
  | 'STW_JOB_BUSY'
  | 'STW_BUILD_NOT_FOUND'
  | 'STW_QUEUE_ITEM_NOT_FOUND'
  | 'STW_QUEUE_FULL'
  | 'STW_NAME_INVALID'
  | 'STW_PARAMETER_INVALID'
  | 'STW_LABEL_INVALID'
  | 'STW_NODE_NOT_FOUND'
  | 'STW_NODE_EXISTS'
  | 'STW_NODE_BUSY'
  | 'STW_EXECUTOR_STATE'
  | 'STW_COMPUTER_STATE'
  | 'STW_EXTENSION_UNKNOWN'
  | 'STW_REQUEST_INVALID'
  | 'STW_REQUEST_TOO_LARGE'
  | 'STW_NOT_ACTIVE'
  | 'STW_NOT_FOUND'
  | 'STW_METHOD_NOT_ALLOWED'
  | 'STW_SECRET_INVALID'
  | 'STW_SECRET_KEY_INVALID'
  | 'STW_AUTH_REQUIRED'
  | 'STW_AUTH_INVALID'
  | 'STW_FORBIDDEN'
  | 'STW_CRUMB_INVALID'
  | 'STW_LOGIN_THROTTLED'
  | 'STW_USER_NOT_FOUND'
  | 'STW_USER_EXISTS'
  | 'STW_TOKEN_NOT_FOUND'
  | 'STW_CREDENTIALS_NOT_FOUND'
  | 'STW_CREDENTIALS_EXISTS'
  | 'STW_BUILD_USER_INVALID'
  | 'STW_AGENT_DISCONNECTED'
  | 'STW_AGENT_FAILED'
  | 'STW_INTERNAL';

export interface ErrorOptions {
  cause?: unknown;
  /** Where the problem is: a file (relative to the home when inside it), line, column and field. */
  file?: string;
  line?: number;
  column?: number;
  field?: string;
}

export class StewardError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StewardError';
    this.code = code;
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
    this.field = options.field;
  }

  /** A JSON shape for API answers: no stack, no cause (a cause may carry paths or secrets). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.file !== undefined) out.file = this.file;
    if (this.line !== undefined) out.line = this.line;
    if (this.column !== undefined) out.column = this.column;
    if (this.field !== undefined) out.field = this.field;
    return out;
  }
}

/** Wraps any throwable as a StewardError without losing it (kept as `cause`). */
export function coerceError(err: unknown, code: ErrorCode = 'STW_INTERNAL'): StewardError {
  if (err instanceof StewardError) return err;
  if (err instanceof Error) return new StewardError(code, err.message, { cause: err });
  return new StewardError(code, String(err), { cause: err });
}

export function isStewardError(err: unknown, code?: ErrorCode): err is StewardError {
  return err instanceof StewardError && (code === undefined || err.code === code);
}

export { EXCERPT_MAX, excerpt } from './excerpt.js';
