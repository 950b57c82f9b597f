import { InvalidArgumentError } from 'commander';

/** Parses `10s`, `500ms`, `2m`, `1h` or a bare number of seconds into milliseconds. */
export function parseDuration(text: string, option = 'duration'): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) throw new InvalidArgumentError(`${option}: "${text}" is not a duration like 10s, 500ms or 2m`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(n * factor);
}
