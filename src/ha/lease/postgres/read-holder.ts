/**
 * Who holds (or last held) the lease, for the message of a refused acquire, and how many ms it has
 * left on the database's clock (when a waiter should try again if no release is announced).
 * $1 name. Read after the acquire found the lease taken; it may have changed since, which only
 * costs a waiter one more attempt.
 */
export const readHolderSql = (table: string): string => `
SELECT holder, greatest(0, extract(epoch FROM expires_at - clock_timestamp()) * 1000)::float8 AS ms_left
  FROM ${table} WHERE name = $1`;
