/**
 * What `steward guard` and its watchdog process (watchdog.ts) say to each other over the IPC
 * channel between them.
 */

/**
 * Milliseconds on CLOCK_MONOTONIC, which on Linux every process reads alike (unlike
 * performance.now(), which counts from each process's own start): a deadline one process
 * computes means the same instant to the other, however late the message carrying it is read.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/**
 * Guard to watchdog. `until`: the guard holds the lease until then (monotonic ms; null: as long as
 * the guard lives, as a flock does). `start` starts the command; each `hold` moves the deadline.
 */
export type ToWatchdog = { type: 'start'; epoch: number; until: number | null } | { type: 'hold'; until: number | null };

/** Watchdog to guard. */
export type FromWatchdog =
  | { type: 'started'; pid: number }
  | { type: 'failed'; message: string }
  /** The command ended with `code` (128 + signal number when a signal ended it). */
  | { type: 'exited'; code: number; stoppedBecause: string | null };

export function isToWatchdog(m: unknown): m is ToWatchdog {
  const type = typeof m === 'object' && m !== null ? (m as { type?: unknown }).type : undefined;
  return type === 'start' || type === 'hold';
}
