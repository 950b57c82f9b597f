import { StewardError } from '../../errors/index.js';
import { jenkinsHash } from './java-random.js';

/**
 * Jenkins' cron syntax (hudson.scheduler.CronTab): five fields (minute hour day-of-month month
 * day-of-week), `*`, ranges, lists, steps, and `H` — a value fixed by the hash of the job name, so
 * that many jobs with `H H * * *` spread over the day. `H(a-b)`, `H/n`, `@hourly`, `@daily`,
 * `@midnight`, `@weekly`, `@monthly`, `@yearly`/`@annually`; several lines, `#` comments, and a
 * `TZ=Zone` first line. Each line is expanded to explicit values, which is what a
 * standard cron scheduler then runs.
 */
export interface CronLine {
  /** Standard five-field cron with explicit lists, e.g. `7,22,37,52 * * * *`. */
  readonly pattern: string;
  readonly timezone: string | undefined;
  /** 1-based line in the spec, for errors. */
  readonly line: number;
}

const FIELDS = [
  { name: 'minute', lo: 0, hi: 59, hashHi: 59 },
  { name: 'hour', lo: 0, hi: 23, hashHi: 23 },
  { name: 'day of month', lo: 1, hi: 31, hashHi: 28 },
  { name: 'month', lo: 1, hi: 12, hashHi: 12 },
  { name: 'day of week', lo: 0, hi: 7, hashHi: 6 },
] as const;

const ALIASES: Record<string, string> = {
  '@yearly': 'H H H H *',
  '@annually': 'H H H H *',
  '@monthly': 'H H H * *',
  '@weekly': 'H H * * H',
  '@daily': 'H H * * *',
  '@midnight': 'H H(0-2) * * *',
  '@hourly': 'H * * * *',
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Parses a whole trigger spec for the job `seed` (its full name). */
export function parseJenkinsCron(spec: string, seed: string, where: { file: string; field: string }): CronLine[] {
  const hash = jenkinsHash(seed);
  const out: CronLine[] = [];
  let timezone: string | undefined;
  spec.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fail = (what: string): never => {
      throw new StewardError('STW_CONFIG_INVALID', `${where.file}: ${where.field}: line ${i + 1} "${line}": ${what}`, {
        file: where.file,
        field: where.field,
      });
    };
    if (line.startsWith('TZ=')) {
      // As in Jenkins, a time zone is only read on the first line.
      if (i !== 0) fail('TZ= is only allowed on the first line');
      timezone = line.slice(3).trim();
      try {
        new Intl.DateTimeFormat('en', { timeZone: timezone });
      } catch {
        fail(`unknown time zone ${timezone}`);
      }
      return;
    }
    const expanded = line.startsWith('@') ? (ALIASES[line] ?? fail(`unknown alias ${line}`)) : line;
    const parts = expanded.split(/\s+/);
    if (parts.length !== 5) fail(`expected 5 fields (minute hour day-of-month month day-of-week), found ${parts.length}`);
    const values = parts.map((text, f) => expandField(text, f, hash, fail));
    // Jenkins counts Sunday as 0 or 7.
    const dow = values[4] as number[];
    const dowSet = [...new Set(dow.map((d) => (d === 7 ? 0 : d)))].sort((a, b) => a - b);
    const fields = [...values.slice(0, 4), dowSet].map((v, f) => {
      const meta = FIELDS[f] as (typeof FIELDS)[number];
      const full = f === 4 ? 7 : meta.hi - meta.lo + 1;
      return v.length === full ? '*' : v.join(',');
    });
    out.push({ pattern: fields.join(' '), timezone, line: i + 1 });
  });
  return out;
}

function expandField(text: string, f: number, hash: (n: number) => number, fail: (what: string) => never): number[] {
  const meta = FIELDS[f] as (typeof FIELDS)[number];
  const set = new Set<number>();
  for (const term of text.split(',')) {
    const m = /^(\*|H(?:\(([^)]*)\))?|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(term);
    if (m === null) fail(`cannot read "${term}" in the ${meta.name} field`);
    const [, base, hRange, stepText] = m as unknown as [string, string, string | undefined, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step <= 0) fail(`the step in "${term}" must be at least 1`);
    if (base.startsWith('H')) {
      let lo: number = meta.lo;
      let hi: number = meta.hashHi;
      if (hRange !== undefined) {
        const r = /^(\d+)-(\d+)$/.exec(hRange);
        if (r === null) fail(`H(${hRange}) must be a range like H(0-29)`);
        lo = Number(r[1]);
        hi = Number(r[2]);
        if (lo < meta.lo || hi > meta.hi || lo > hi) fail(`H(${hRange}) is outside ${meta.lo}-${meta.hi} for the ${meta.name}`);
      }
      if (step > hi - lo + 1) fail(`step ${step} is larger than the range ${lo}-${hi}`);
      if (step > 1) {
        for (let v = hash(step) + lo; v <= hi; v += step) set.add(v);
      } else {
        set.add(lo + hash(hi + 1 - lo));
      }
      continue;
    }
    let lo: number;
    let hi: number;
    if (base === '*') {
      lo = meta.lo;
      hi = f === 4 ? 6 : meta.hi;
    } else {
      const [a, b] = base.split('-') as [string, string | undefined];
      lo = value(a, f, fail);
      hi = b === undefined ? (stepText === undefined ? lo : meta.hi) : value(b, f, fail);
      if (lo > hi) fail(`the range ${base} goes backwards`);
    }
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  return [...set].sort((a, b) => a - b);
}

function value(text: string, f: number, fail: (what: string) => never): number {
  const meta = FIELDS[f] as (typeof FIELDS)[number];
  let n: number;
  const upper = text.toUpperCase();
  if (f === 3 && MONTHS.includes(upper)) n = MONTHS.indexOf(upper) + 1;
  else if (f === 4 && DAYS.includes(upper)) n = DAYS.indexOf(upper);
  else if (/^\d+$/.test(text)) n = Number(text);
  else return fail(`"${text}" is not a ${meta.name}`);
  if (n < meta.lo || n > meta.hi) fail(`${n} is outside ${meta.lo}-${meta.hi} for the ${meta.name}`);
  return n;
}
