import { StewardError } from '../errors/index.js';
import { MAX_NAME_BYTES } from './paths.js';

// Jenkins.checkGoodName: these characters may not appear in the name of a job or a node.
const UNSAFE = /[?*/\\%!@#$^&|<>[\]:;]/;

/**
 * Characters a name shows nothing of, or shows other than it is, or that a file system or a
 * terminal reads as commands: controls (C0, DEL, C1), invisible formatting (zero-width space,
 * bidirectional overrides), line and paragraph separators, the noncharacters U+FFFE and U+FFFF,
 * and surrogates left unpaired.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\uFFFE\uFFFF]|\p{Cs}/u;

function kindOf(c: string): string {
  if (/\p{Cc}/u.test(c)) return 'a control character';
  if (/\p{Cf}/u.test(c)) return 'an invisible formatting character';
  if (/[\p{Zl}\p{Zp}]/u.test(c)) return 'a line or paragraph separator';
  if (/\p{Cs}/u.test(c)) return 'a lone surrogate';
  return 'a noncharacter';
}

function invalid(message: string): StewardError {
  return new StewardError('STW_NAME_INVALID', message, { field: 'name' });
}

/**
 * Checks the name of something the home keeps in a folder of that name (`jobs/NAME`,
 * `nodes/NAME`) as Jenkins' checkGoodName does, and so that it is a safe folder name: at most
 * MAX_NAME_BYTES bytes in UTF-8, not starting with `.` (the home's own entries and temporary files
 * do), and without invisible characters. `kind` names it in messages (`a job name is required`).
 * Returns the name trimmed; throws STW_NAME_INVALID saying why.
 */
export function checkGoodName(name: string, kind: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw invalid(`a ${kind} name is required`);
  if (trimmed.startsWith('.')) throw invalid(`a ${kind} name may not start with '.' ("${trimmed}")`);
  const bad = UNSAFE.exec(trimmed);
  if (bad !== null) throw invalid(`'${bad[0]}' is an unsafe character in the ${kind} name "${trimmed}"`);
  const hidden = INVISIBLE.exec(trimmed);
  if (hidden !== null) {
    const c = hidden[0];
    const at = [...trimmed.slice(0, hidden.index)].length + 1;
    const code = (c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    // The name itself is left out: it would carry the character into logs and headers.
    throw invalid(`the ${kind} name holds U+${code} (${kindOf(c)}) at position ${at}; choose a name without it`);
  }
  const bytes = Buffer.byteLength(trimmed, 'utf8');
  if (bytes > MAX_NAME_BYTES) throw invalid(`a ${kind} name is at most ${MAX_NAME_BYTES} bytes in UTF-8; this one has ${bytes}`);
  return trimmed;
}

/**
 * Why a folder of the home cannot hold a `kind` of that name (the reason checkGoodName gives, or
 * that the name has spaces around it), or undefined when it can.
 */
export function goodNameProblem(folder: string, kind: string): string | undefined {
  try {
    return checkGoodName(folder, kind) === folder ? undefined : `a ${kind} name has no spaces around it ("${folder}")`;
  } catch (err) {
    if (err instanceof StewardError) return err.message;
    throw err;
  }
}
