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
 * What an OS error says about the home's disk as a whole, rather than about one file: `full` (no
 * space left, or the user's quota used up) or `failing` (an I/O error of the device, or a file
 * system the kernel remounted read-only after one). Undefined for everything else (a missing file,
 * a permission), which is about that file only.
 */
export type DiskTrouble = 'full' | 'failing';

const TROUBLE: Readonly<Record<string, DiskTrouble>> = {
  ENOSPC: 'full',
  EDQUOT: 'full',
  EIO: 'failing',
  EROFS: 'failing',
};

const TROUBLE_WORDS: Readonly<Record<DiskTrouble, string>> = {
  full: "the home's disk is full",
  failing: "the home's disk is failing",
};

export function diskTrouble(err: unknown): DiskTrouble | undefined {
  const code = errnoCode(err);
  return code === undefined ? undefined : TROUBLE[code];
}

/**
 * Wraps a file system failure as a StewardError naming the home-relative path and the OS error
 * code: STW_HOME_FULL when the disk is full (ENOSPC, EDQUOT), else STW_HOME_IO. The message never
 * carries file contents; StewardErrors (a fence refusal) pass through as they are.
 */
export function homeIoError(action: string, rel: string, err: unknown): StewardError {
  if (err instanceof StewardError) return err;
  const code = errnoCode(err);
  const syscall =
    typeof err === 'object' && err !== null && 'syscall' in err && typeof err.syscall === 'string'
      ? ` in ${err.syscall}`
      : '';
  const reason = code === undefined ? (err instanceof Error ? err.message : String(err)) : code;
  const trouble = diskTrouble(err);
  const words = trouble === undefined ? '' : `${TROUBLE_WORDS[trouble]} (`;
  return new StewardError(
    trouble === 'full' ? 'STW_HOME_FULL' : 'STW_HOME_IO',
    `could not ${action} ${rel} in the home: ${words}${reason}${syscall}${trouble === undefined ? '' : ')'}`,
    { cause: err, file: rel },
  );
}

/** Whether `err` is a write the home's disk refused as a whole (full or failing), as homeIoError made it. */
export function isDiskTrouble(err: unknown): boolean {
  return err instanceof StewardError && diskTrouble(err.cause) !== undefined;
}
