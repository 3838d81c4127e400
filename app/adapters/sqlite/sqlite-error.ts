import Database from 'better-sqlite3';
import { StoreError } from '../../ports/store.js';

/**
 * Turns whatever better-sqlite3 threw into a StoreError that says what happened, so no driver
 * error reaches callers and nothing fails silently. `doing` completes "could not …".
 */
export function toStoreError(error: unknown, doing: string): StoreError {
  if (error instanceof StoreError) return error;
  if (error instanceof Database.SqliteError) {
    const code = error.code;
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new StoreError(
        'busy',
        `Could not ${doing}: the database stayed locked by another writer for longer than the busy ` +
          'timeout. Try again.',
        { cause: error },
      );
    }
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
      return new StoreError('conflict', `Could not ${doing}: ${describeUnique(error.message)}.`, {
        cause: error,
      });
    }
    return new StoreError('failed', `Could not ${doing}: ${error.message} (${code}).`, { cause: error });
  }
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) {
    return new StoreError('closed', `Could not ${doing}: the store is closed.`, { cause: error });
  }
  return new StoreError('failed', `Could not ${doing}: ${String(error)}.`, { cause: error });
}

const UNIQUE_COLUMNS: Record<string, string> = {
  'requests.id': 'a request with this id already exists',
  'api_keys.id': 'an API key with this id already exists',
  'api_keys.key_hash': 'an API key with this hash already exists',
  'audit.id': 'an audit entry with this id already exists',
};

function describeUnique(message: string): string {
  // better-sqlite3 reports e.g. "UNIQUE constraint failed: api_keys.key_hash"
  const column = /constraint failed: ([\w.]+)/.exec(message)?.[1];
  return (column && UNIQUE_COLUMNS[column]) ?? message;
}
