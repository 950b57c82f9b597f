/**
 * A whole number as a request gives it (a build number, a queue id, a byte offset, seconds...):
 * decimal digits only, within the safe integer range; undefined for anything else. `Number()`
 * would also take `0x10`, `1e3`, ` 7` and the empty string.
 */
export function wholeNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
