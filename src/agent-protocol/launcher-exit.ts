/** How the launcher process ends the steps of a controller that is gone; shared by both sides. */

/** How long the steps of a controller that is gone get between TERM and KILL. */
export const ORPHAN_GRACE_MS = 5_000;

/**
 * After the watchdog's TERM, KILL comes a fifth of the watchdog later (1 s with the default TTL of
 * 10 s), not {@link ORPHAN_GRACE_MS}: with the watchdog at half the TTL, that is still before a
 * standby can acquire the lease (two thirds of the TTL after the last heartbeat at the soonest).
 */
export const WATCHDOG_GRACE_DIVISOR = 5;

/** The launcher process's exit status when its watchdog ended it. */
export const WATCHDOG_EXIT_CODE = 75;
