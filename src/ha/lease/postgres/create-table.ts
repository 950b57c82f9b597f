/**
 * Creates the lease table when it is missing. One row per lease name; the row is never deleted, so
 * the epoch (fencing token) keeps growing across holders, releases and server restarts.
 *
 * `table` is already quoted (see postgres.ts). Two drivers creating the table at the same moment can
 * still fail with unique_violation (23505, on pg_type) or duplicate_table (42P07) despite
 * IF NOT EXISTS: the caller treats both as "it exists now".
 */
export const createTableSql = (table: string): string => `
CREATE TABLE IF NOT EXISTS ${table} (
  name       text        PRIMARY KEY,
  owner      text        NOT NULL,
  holder     jsonb       NOT NULL,
  epoch      bigint      NOT NULL,
  expires_at timestamptz NOT NULL
)`;
