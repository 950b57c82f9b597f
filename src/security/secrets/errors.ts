import { StewardError } from '../../errors/index.js';

/** Where an encrypted value was found, for the error: a home-relative file, line and field. */
export interface SecretLocation {
  file?: string;
  line?: number;
  field?: string;
}

/**
 * STW_SECRET_INVALID with `message`. The message is written by this part only and never holds the
 * value, its ciphertext or its plaintext; no cause is kept, so logs cannot leak them either.
 */
export function invalidSecret(message: string, at: SecretLocation = {}): StewardError {
  const where = [at.file, at.line === undefined ? undefined : `line ${at.line}`, at.field].filter((p) => p !== undefined);
  const text = where.length > 0 ? `${message} (${where.join(', ')})` : message;
  return new StewardError('STW_SECRET_INVALID', text, copyLocation(at));
}

function copyLocation(at: SecretLocation): { file?: string; line?: number; field?: string } {
  const out: { file?: string; line?: number; field?: string } = {};
  if (at.file !== undefined) out.file = at.file;
  if (at.line !== undefined) out.line = at.line;
  if (at.field !== undefined) out.field = at.field;
  return out;
}

/** STW_SECRET_KEY_INVALID for a damaged key file; `file` is home-relative. */
export function invalidKeyFile(file: string, message: string, cause?: unknown): StewardError {
  return new StewardError('STW_SECRET_KEY_INVALID', `${file}: ${message}`, cause === undefined ? { file } : { file, cause });
}
