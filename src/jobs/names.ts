import { StewardError } from '../errors/index.js';

// Jenkins.checkGoodName: these characters may not appear in an item name.
const UNSAFE = /[?*/\\%!@#$^&|<>[\]:;]/;

/** Checks a job name as Jenkins does; throws STW_NAME_INVALID saying what is wrong. */
export function checkJobName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw new StewardError('STW_NAME_INVALID', 'a job name is required', { field: 'name' });
  if (trimmed === '.' || trimmed === '..') {
    throw new StewardError('STW_NAME_INVALID', `"${trimmed}" is not an allowed job name`, { field: 'name' });
  }
  const bad = UNSAFE.exec(trimmed);
  if (bad !== null) {
    throw new StewardError('STW_NAME_INVALID', `'${bad[0]}' is an unsafe character in the job name "${trimmed}"`, {
      field: 'name',
    });
  }
  if (trimmed.length > 255) throw new StewardError('STW_NAME_INVALID', 'a job name is at most 255 characters', { field: 'name' });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(trimmed)) throw new StewardError('STW_NAME_INVALID', 'a job name may not contain control characters', { field: 'name' });
  return trimmed;
}
