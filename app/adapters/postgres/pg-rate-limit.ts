/**
 * Rate limits shared by every instance (docs/operations.md, "Rate limits across instances"): the
 * same sliding minute as the in-memory limiter (60 per-second counts per key), kept in one row per
 * key of `agentgate_rate_windows` and updated by one function call per request. The function locks
 * the key's row, forgets the seconds that left the window, and counts the request only if the
 * total stays within the limit, so instances racing on one key never let more than the limit
 * through. Clocks: each instance passes its own time; the row never moves backwards, so a
 * slightly late instance counts into the newest second.
 */
import type pg from 'pg';
import { describeWindow, WINDOW_S } from '../../http/rate-limiter.js';
import type { RateDecision, RateLimiter } from '../../ports/rate-limiter.js';
import { runSetup } from './pg-setup.js';

/** Takes after which windows untouched for a minute are deleted (by the instance making that take). */
const PRUNE_EVERY = 1000;

/** Creates the table and function (idempotent; run at start). */
export async function setUpRateLimits(pool: pg.Pool): Promise<void> {
  await runSetup(
    pool,
    `
    CREATE TABLE IF NOT EXISTS agentgate_rate_windows (
      key text PRIMARY KEY,
      second bigint NOT NULL,
      counts integer[] NOT NULL
    );
    CREATE OR REPLACE FUNCTION agentgate_rate_take(p_key text, p_limit integer, p_second bigint)
    RETURNS TABLE (allowed boolean, at_second bigint, counts integer[])
    LANGUAGE plpgsql AS $fn$
    DECLARE
      w_second bigint;
      w_counts integer[];
      total integer;
      s bigint;
    BEGIN
      INSERT INTO agentgate_rate_windows AS w (key, second, counts)
        VALUES (p_key, p_second, array_fill(0, ARRAY[${WINDOW_S}]))
        ON CONFLICT (key) DO NOTHING;
      SELECT w.second, w.counts INTO w_second, w_counts
        FROM agentgate_rate_windows w WHERE w.key = p_key FOR UPDATE;
      IF p_second - w_second >= ${WINDOW_S} THEN
        w_counts := array_fill(0, ARRAY[${WINDOW_S}]);
        w_second := p_second;
      ELSIF p_second > w_second THEN
        FOR s IN w_second + 1 .. p_second LOOP
          w_counts[(s % ${WINDOW_S} + ${WINDOW_S}) % ${WINDOW_S} + 1] := 0;
        END LOOP;
        w_second := p_second;
      END IF;
      SELECT coalesce(sum(c), 0) INTO total FROM unnest(w_counts) AS c;
      allowed := total < p_limit;
      IF allowed THEN
        w_counts[(w_second % ${WINDOW_S} + ${WINDOW_S}) % ${WINDOW_S} + 1] :=
          w_counts[(w_second % ${WINDOW_S} + ${WINDOW_S}) % ${WINDOW_S} + 1] + 1;
      END IF;
      UPDATE agentgate_rate_windows w SET second = w_second, counts = w_counts WHERE w.key = p_key;
      at_second := w_second;
      counts := w_counts;
      RETURN NEXT;
    END
    $fn$;
  `,
  );
}

interface TakeRow {
  allowed: boolean;
  at_second: string;
  counts: number[];
}

export class PgRateLimiter implements RateLimiter {
  #takes = 0;

  constructor(private readonly pool: pg.Pool) {}

  async take(key: string, limit: number, nowMs: number): Promise<RateDecision> {
    const { rows } = await this.pool.query<TakeRow>('SELECT * FROM agentgate_rate_take($1, $2, $3)', [
      key,
      limit,
      Math.floor(nowMs / 1000),
    ]);
    const row = rows[0];
    if (!row) throw new Error('agentgate_rate_take returned no row');
    this.#takes += 1;
    if (this.#takes % PRUNE_EVERY === 0) void this.#prune(nowMs);
    const second = Number(row.at_second);
    const counts = Uint32Array.from(row.counts);
    const total = counts.reduce((sum, n) => sum + n, 0);
    // The row's second may be ahead of ours (another instance's clock): answer from its point of view.
    return describeWindow({ counts, total }, second, limit, Math.max(nowMs, second * 1000), row.allowed);
  }

  async #prune(nowMs: number): Promise<void> {
    await this.pool
      .query('DELETE FROM agentgate_rate_windows WHERE second < $1', [Math.floor(nowMs / 1000) - WINDOW_S])
      .catch(() => undefined); // pruning is housekeeping; the next one tries again
  }
}
