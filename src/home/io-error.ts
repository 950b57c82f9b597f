import { StewardError } from '../errors/index.js';

/** The errno code of a Node file system error (`ENOENT`...), if it has one. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Missing file, or a parent that is a file: both mean "not there" to a reader. */
export function isMissing(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Wraps a file system failure as STW_HOME_IO naming the home-relative path and the OS error code.
 * The message never carries file contents; StewardErrors (a fence refusal) pass through as they are.
 */
export function homeIoError(action: string, rel: string, err: unknown): StewardError {
  if (err instanceof StewardError) return err;
  const code = errnoCode(err);
  const syscall =
    typeof err === 'object' && err !== null && 'syscall' in err && typeof err.syscall === 'string'
      ? ` in ${err.syscall}`
      : '';
  const reason = code === undefined ? (err instanceof Error ? err.message : String(err)) : code;
  return new StewardError('STW_HOME_IO', `could not ${action} ${rel} in the home: ${reason}${syscall}`, {
    cause: err,
    file: rel,
  });
}
