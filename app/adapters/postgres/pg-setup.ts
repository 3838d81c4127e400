import type pg from 'pg';

/** The first key of our two-key advisory locks ("AG"), apart from single-key locks such as migrations'. */
export const LOCK_CLASS = 0x4147;

/**
 * Runs `sql` (CREATE … IF NOT EXISTS, CREATE OR REPLACE) in a transaction holding an advisory lock,
 * so instances starting at the same moment create the cluster tables one after the other: two
 * concurrent `CREATE TABLE IF NOT EXISTS` can otherwise both try to create it and one fail.
 */
export async function runSetup(pool: pg.Pool, sql: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, 'setup']);
    await client.query(sql);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
