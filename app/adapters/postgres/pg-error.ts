import { StoreError } from '../../ports/store.js';

/** Node's socket errors: the server is down, unreachable or refused us. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

const UNIQUE_CONSTRAINTS: Record<string, string> = {
  requests_pkey: 'a request with this id already exists',
  api_keys_pkey: 'an API key with this id already exists',
  api_keys_key_hash_key: 'an API key with this hash already exists',
  audit_id_key: 'an audit entry with this id already exists',
  webhooks_pkey: 'a webhook with this id already exists',
  github_issues_issue: 'this issue is already linked to another request',
};

/**
 * Turns whatever node-postgres threw into a StoreError that says what happened, so no driver error
 * reaches callers: a unique violation is a `conflict`; an unreachable server, a dropped connection, a
 * full pool, a deadlock or a serialization failure are `busy` (try again: 503); the rest `failed`.
 * `doing` completes "could not …".
 */
export function toPgStoreError(error: unknown, doing: string): StoreError {
  if (error instanceof StoreError) return error;
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (code === '23505') {
    const constraint = typeof e?.constraint === 'string' ? e.constraint : '';
    return new StoreError('conflict', `Could not ${doing}: ${UNIQUE_CONSTRAINTS[constraint] ?? message}.`, {
      cause: error,
    });
  }
  if (
    CONNECTION_CODES.has(code) ||
    // connection exceptions, insufficient resources, operator intervention (shutdown, cancel)
    code.startsWith('08') ||
    code.startsWith('53') ||
    code.startsWith('57') ||
    code === '40001' ||
    code === '40P01' ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    )
  ) {
    return new StoreError(
      'busy',
      `Could not ${doing}: PostgreSQL is unreachable or overloaded (${code || message}). Try again.`,
      { cause: error },
    );
  }
  if (/Cannot use a pool after calling end/i.test(message)) {
    return new StoreError('closed', `Could not ${doing}: the store is closed.`, { cause: error });
  }
  return new StoreError('failed', `Could not ${doing}: ${message}${code ? ` (${code})` : ''}.`, {
    cause: error,
  });
}
