/** Every fixed statement of the SQLite store, prepared once when the store opens. */
import type Database from 'better-sqlite3';
import type { ApiKeyRow, GitHubCheckRunRow, GitHubIssueRow, JobRow, RequestRow } from './rows.js';

/**
 * The sweeper's query. Without statistics the planner prefers the status index and sorts every
 * pending row; INDEXED BY pins the small pending-only index, already in expiry order.
 */
export const FIND_EXPIRED_SQL = `SELECT id FROM requests INDEXED BY requests_pending_expiry
  WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`;

export function prepareStatements(db: Database.Database) {
  return {
    ping: db.prepare('SELECT 1'),
    insertRequest: db.prepare(`INSERT INTO requests (id, owner_id, action, params, context, urgency, status,
        created_at, updated_at, decided_at, expires_at, decided_by, decision_reason, repository, requester,
        policy_decision, review)
      VALUES (@id, @owner_id, @action, @params, @context, @urgency, @status, @created_at, @updated_at,
        @decided_at, @expires_at, @decided_by, @decision_reason, @repository, @requester, @policy_decision,
        @review)`),
    getRequest: db.prepare<[string], RequestRow>('SELECT * FROM requests WHERE id = ?'),
    findIdempotency: db.prepare<[string, string], { fingerprint: string; request_id: string }>(
      'SELECT fingerprint, request_id FROM idempotency WHERE owner_id = ? AND key = ?',
    ),
    insertIdempotency: db.prepare(
      'INSERT INTO idempotency (owner_id, key, fingerprint, request_id, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    // The last two parameters are the review compare-and-set: (0, null) skips it; (1, text) requires
    // the stored review to be that text (`IS` also matches null to null).
    transition: db.prepare<
      [string, string, string | null, string, string, string | null, string, number, string | null],
      RequestRow
    >(
      `UPDATE requests SET status = ?, decided_by = ?, decision_reason = ?, decided_at = ?, updated_at = ?,
         review = coalesce(?, review)
       WHERE id = ? AND status = 'pending' AND (? = 0 OR review IS ?) RETURNING *`,
    ),
    updateReview: db.prepare<[string, string, string, number, string | null], RequestRow>(
      `UPDATE requests SET review = ?, updated_at = ?
       WHERE id = ? AND status = 'pending' AND (? = 0 OR review IS ?) RETURNING *`,
    ),
    findExpired: db.prepare<[string, number], string>(FIND_EXPIRED_SQL).pluck(),
    auditHead: db.prepare<[], { count: number; last_hash: string | null }>(
      'SELECT count, last_hash FROM audit_head WHERE id = 1',
    ),
    setAuditHead: db.prepare<[number, string]>('UPDATE audit_head SET count = ?, last_hash = ? WHERE id = 1'),
    insertAudit: db.prepare(`INSERT INTO audit (id, request_id, event_type, actor, details, created_at,
        prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    insertApiKey: db.prepare(`INSERT INTO api_keys (id, name, key_hash, scopes, rate_limit, repository,
        created_at, revoked_at)
      VALUES (@id, @name, @key_hash, @scopes, @rate_limit, @repository, @created_at, @revoked_at)`),
    findApiKeyByHash: db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE key_hash = ?'),
    getApiKey: db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE id = ?'),
    listApiKeys: db.prepare<[], ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, rowid'),
    updateApiKeyRateLimit: db.prepare<[number | null, string], ApiKeyRow>(
      'UPDATE api_keys SET rate_limit = ? WHERE id = ? RETURNING *',
    ),
    revokeApiKey: db.prepare<[string, string], ApiKeyRow>(
      'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING *',
    ),
    insertJob:
      db.prepare(`INSERT INTO jobs (id, kind, payload, status, run_at, attempts, created_at, updated_at)
      VALUES (?, ?, ?, 'queued', ?, 0, ?, ?)`),
    dueJobs: db.prepare<[string, number], JobRow>(
      `SELECT * FROM jobs INDEXED BY jobs_due WHERE status = 'queued' AND run_at <= ? ORDER BY run_at, id LIMIT ?`,
    ),
    leaseJob: db.prepare<[string, string, string], JobRow>(
      `UPDATE jobs SET run_at = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'queued'
       RETURNING *`,
    ),
    // The last parameter fences the claim: null, or the claim's attempt count.
    finishJob: db.prepare<[string, string | null, string | null, string, string, number | null], JobRow>(
      `UPDATE jobs SET status = ?, last_error = coalesce(?, last_error), run_at = coalesce(?, run_at),
         updated_at = ? WHERE id = ? AND status = 'queued' AND attempts = coalesce(?, attempts) RETURNING id`,
    ),
    getJob: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?'),
    countActiveApiKeys: db
      .prepare<[], number>('SELECT count(*) FROM api_keys WHERE revoked_at IS NULL')
      .pluck(),
    // GitHub App
    claimGitHubKey: db.prepare<[string, string]>(
      'INSERT INTO github_processed (key, processed_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
    ),
    releaseGitHubKey: db.prepare<[string]>('DELETE FROM github_processed WHERE key = ?'),
    linkGitHubIssue: db.prepare<[string, string, number, string, string]>(
      `INSERT INTO github_issues (request_id, repository, number, url, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (request_id) DO NOTHING`,
    ),
    getGitHubIssue: db.prepare<[string], GitHubIssueRow>('SELECT * FROM github_issues WHERE request_id = ?'),
    findGitHubIssue: db.prepare<[string, number], GitHubIssueRow>(
      'SELECT * FROM github_issues WHERE repository = ? AND number = ?',
    ),
    listPendingGitHubIssues: db.prepare<[string, number], GitHubIssueRow>(
      `SELECT g.* FROM github_issues g JOIN requests r ON r.id = g.request_id
       WHERE r.status = 'pending' AND g.request_id > ? ORDER BY g.request_id LIMIT ?`,
    ),
    // The latest run of a request carries its state: a newer run replaces the id, never the commit.
    linkGitHubCheckRun: db.prepare<[string, string, string, number | null, number, string, string]>(
      `INSERT INTO github_check_runs (request_id, repository, head_sha, pull_request, check_run_id, url, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (request_id) DO UPDATE SET check_run_id = excluded.check_run_id, url = excluded.url`,
    ),
    getGitHubCheckRun: db.prepare<[string], GitHubCheckRunRow>(
      'SELECT * FROM github_check_runs WHERE request_id = ?',
    ),
    findPendingGitHubCheckRuns: db.prepare<[string, string], GitHubCheckRunRow>(
      `SELECT c.* FROM github_check_runs c JOIN requests r ON r.id = c.request_id
       WHERE c.repository = ? AND c.head_sha = ? AND r.status = 'pending' ORDER BY c.created_at, c.request_id`,
    ),
    findGitHubCheckRuns: db.prepare<[string, string], GitHubCheckRunRow>(
      `SELECT * FROM github_check_runs WHERE repository = ? AND head_sha = ? ORDER BY created_at, request_id`,
    ),
    listPendingGitHubCheckRuns: db.prepare<[string, number], GitHubCheckRunRow>(
      `SELECT c.* FROM github_check_runs c JOIN requests r ON r.id = c.request_id
       WHERE r.status = 'pending' AND c.request_id > ? ORDER BY c.request_id LIMIT ?`,
    ),
  };
}
