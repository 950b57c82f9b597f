/** Longer targets are not kept: no page of Steward needs one, and some browsers refuse long headers. */
const MAX_LENGTH = 2048;

/** Rounds of percent-decoding looked through (`%252F` is `%2F` is `/`); a target encoded deeper goes to `/`. */
const DECODE_ROUNDS = 3;

/**
 * Whether a Location cannot hold the path as sent: a control character (browsers drop tab, CR
 * and LF, so `/\t/evil.example` reads as `//evil.example`), a backslash (read as `/`), whitespace,
 * or any character outside printable ASCII (a header cannot hold it, and U+3002 reads as a dot).
 */
function unsafeAsSent(path: string): boolean {
  return /[^\x21-\x7e]|\\/.test(path);
}

/** Whether a decoded form holds a control character (C0, DEL, C1) or a backslash; a space (`my%20job`) is a job name's. */
function unsafeDecoded(path: string): boolean {
  return [...path].some((c) => c <= '\x1f' || (c >= '\x7f' && c <= '\x9f') || c === '\\');
}

function isLocalPath(path: string, unsafe: (path: string) => boolean): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !unsafe(path);
}

/**
 * A redirect target taken from a request (`from` after a login, a Referer): the path itself when
 * it is an absolute path of this controller, in its plain and its percent-decoded forms (a proxy
 * that decodes before a browser reads it must not see another site either); else `/`.
 */
export function sameOriginPath(given: string | undefined): string {
  if (given === undefined || given.length > MAX_LENGTH || !isLocalPath(given, unsafeAsSent)) return '/';
  let path = given;
  for (let round = 0; round < DECODE_ROUNDS; round++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return '/';
    }
    if (decoded === path) return given;
    if (!isLocalPath(decoded, unsafeDecoded)) return '/';
    path = decoded;
  }
  return '/';
}
