/**
 * The server secret of the web console when `AGENTGATE_SECRET` is not set (docs/console.md, "The
 * server secret"): with a SQLite database file, a random secret generated once and kept in
 * `agentgate-console.secret` beside it (mode 0600), so sessions and decision links survive
 * restarts; otherwise (PostgreSQL, an in-memory database) a random secret for this process only,
 * with a warning: set AGENTGATE_SECRET, the same on every instance.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../logger.js';

export const CONSOLE_SECRET_FILE = 'agentgate-console.secret';

export function loadOrCreateConsoleSecret(databaseUrl: string, log: Logger): string {
  const fresh = () => randomBytes(48).toString('base64url');
  if (/^postgres(ql)?:\/\//i.test(databaseUrl) || databaseUrl === ':memory:') {
    log.warn(
      'AGENTGATE_SECRET is not set: console sessions and decision links last only until this process stops ' +
        '(and are not shared between instances). Set AGENTGATE_SECRET to a long random value.',
    );
    return fresh();
  }
  const path = join(dirname(databaseUrl), CONSOLE_SECRET_FILE);
  try {
    return readSecret(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true });
  try {
    // `wx`: when two processes start at once, one writes and both read the same secret.
    writeFileSync(path, `${fresh()}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readSecret(path);
}

function readSecret(path: string): string {
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${path} holds no usable secret; delete it to generate a new one`);
  return secret;
}
