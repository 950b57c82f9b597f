/**
 * Extends our lease by the TTL from now on the database's clock, only while it is still ours and
 * has not expired: a row back means 'held', none means 'lost' (expired, or taken by another
 * acquisition, which always has another owner or a larger epoch).
 *
 * $1 name, $2 owner, $3 epoch, $4 TTL in ms.
 */
export const renewSql = (table: string): string => `
UPDATE ${table}
   SET expires_at = clock_timestamp() + $4::double precision * interval '1 millisecond'
 WHERE name = $1 AND owner = $2 AND epoch = $3 AND expires_at > clock_timestamp()
RETURNING 1 AS held`;
