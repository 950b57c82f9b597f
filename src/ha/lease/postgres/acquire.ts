/**
 * Takes the lease in one statement when it is free, returning the new epoch; no row when it is not.
 *
 * $1 name, $2 owner (this driver's random token), $3 holder (JSON), $4 TTL in ms, $5 the epoch
 * floor (the home's epoch; 0 when unknown).
 *
 * - No row yet: inserted with epoch floor + 1 (1 on a new home), so that a new database or table
 *   does not hand out epochs that the home's larger one fences.
 * - A row: taken over with max(epoch, floor) + 1 only if it expired on the database's clock, or if it carries
 *   our own owner token (an earlier attempt of this driver that committed after we gave up on its
 *   answer: nobody in this process ever used that epoch, and the new one is larger).
 *
 * The time is clock_timestamp(), not now(): now() is frozen at the start of the transaction, and a
 * statement that waited for a row lock held by a concurrent acquire would compare with a stale time.
 * Concurrent acquirers serialize on the row (or on the primary key for the first insert), and the
 * loser re-checks the WHERE against the winner's row, so at most one gets an epoch back.
 */
export const acquireSql = (table: string): string => `
INSERT INTO ${table} AS lease (name, owner, holder, epoch, expires_at)
VALUES ($1, $2, $3::jsonb, $5::bigint + 1, clock_timestamp() + $4::double precision * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE
   SET owner      = EXCLUDED.owner,
       holder     = EXCLUDED.holder,
       epoch      = greatest(lease.epoch, $5::bigint) + 1,
       expires_at = clock_timestamp() + $4::double precision * interval '1 millisecond'
 WHERE lease.expires_at <= clock_timestamp() OR lease.owner = EXCLUDED.owner
RETURNING epoch`;
