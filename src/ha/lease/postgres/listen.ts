/**
 * Subscribes the connection to the lease table's channel, on which release.ts announces a release
 * (payload: the lease name), so that a waiter tries again at once instead of at its next poll.
 * `channel` is already quoted (see postgres.ts).
 */
export const listenSql = (channel: string): string => `LISTEN ${channel}`;
