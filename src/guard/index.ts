/** `steward guard`: run any command only while holding the lease. */
export { runGuard, GUARD_EXIT, type GuardOptions } from './guard.js';
export { parseDuration } from './duration.js';
