/** The most characters of a request's value an error message shows. */
export const EXCERPT_MAX = 100;

/**
 * A value from a request as an error message shows it: whole when short, else its first `max`
 * characters, `…` and its length. A message names what is wrong; echoing a 16 KiB user id or
 * start offset back in full only makes the answer, and any log that keeps it, as large as the
 * request.
 */
export function excerpt(text: string, max: number = EXCERPT_MAX): string {
  if (text.length <= max) return text;
  // Do not cut a character written as a surrogate pair in two.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}… (${text.length} characters)`;
}
