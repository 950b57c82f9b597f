/**
 * Gives our lease up by expiring it now, and announces it to waiters (pg_notify is delivered on
 * commit, so only if the release happened). The row stays, so the next acquisition's epoch is
 * larger. Does nothing when the lease is no longer ours.
 *
 * $1 name, $2 owner, $3 epoch, $4 channel (see listen.ts).
 */
export const releaseSql = (table: string): string => `
WITH released AS (
  UPDATE ${table}
     SET expires_at = clock_timestamp()
   WHERE name = $1 AND owner = $2 AND epoch = $3 AND expires_at > clock_timestamp()
  RETURNING name
)
SELECT pg_notify($4, name) FROM released`;
