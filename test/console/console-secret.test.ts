/** The server secret the console keeps when AGENTGATE_SECRET is not set. */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONSOLE_SECRET_FILE, loadOrCreateConsoleSecret } from '../../app/adapters/console-secret.js';
import { createLogger } from '../../app/logger.js';
import { useTempDir } from '../helpers/temp-dir.js';

const log = createLogger('silent');

describe('loadOrCreateConsoleSecret', () => {
  const tempDir = useTempDir('agentgate-secret-');

  it('generates one secret beside a SQLite file, readable only by its owner, and keeps it across starts', () => {
    const dir = join(tempDir(), 'data');
    const first = loadOrCreateConsoleSecret(join(dir, 'agentgate.db'), log);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, CONSOLE_SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(loadOrCreateConsoleSecret(join(dir, 'agentgate.db'), log)).toBe(first);
  });

  it('uses a secret for this process only with PostgreSQL or an in-memory database', () => {
    const a = loadOrCreateConsoleSecret('postgres://u@127.0.0.1/db', log);
    expect(a).not.toBe(loadOrCreateConsoleSecret('postgres://u@127.0.0.1/db', log));
    expect(loadOrCreateConsoleSecret(':memory:', log).length).toBeGreaterThanOrEqual(32);
  });
});
