import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../app/config.js';

describe('DATABASE_URL', () => {
  it('is a SQLite path by default and for anything that is not a postgres URL', () => {
    expect(loadConfig({})).toMatchObject({ databaseUrl: './data/agentgate.db', databaseKind: 'sqlite' });
    for (const path of [
      '/var/lib/agentgate/db.sqlite',
      'data/postgres.db',
      'postgres.db',
      'file:postgres://x',
    ]) {
      expect(loadConfig({ DATABASE_URL: path })).toMatchObject({ databaseUrl: path, databaseKind: 'sqlite' });
    }
  });

  it('selects PostgreSQL for postgres:// and postgresql:// URLs', () => {
    for (const url of [
      'postgres://agentgate:secret@db.internal:5432/agentgate',
      'postgresql://db.internal/agentgate?sslmode=require',
      'POSTGRES://db/agentgate',
    ]) {
      expect(loadConfig({ DATABASE_URL: url })).toMatchObject({ databaseUrl: url, databaseKind: 'postgres' });
    }
  });

  it('refuses a postgres URL without a host, saying what one looks like', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://' })).toThrow(
      /DATABASE_URL.*postgres:\/\/user:password@host:5432\/database/s,
    );
  });
});

describe('AGENTGATE_SQLITE_SYNCHRONOUS', () => {
  it('is full (durable against power loss) unless normal is asked for', () => {
    expect(loadConfig({}).sqliteSynchronous).toBe('full');
    expect(loadConfig({ AGENTGATE_SQLITE_SYNCHRONOUS: 'full' }).sqliteSynchronous).toBe('full');
    expect(loadConfig({ AGENTGATE_SQLITE_SYNCHRONOUS: 'normal' }).sqliteSynchronous).toBe('normal');
  });

  it('refuses anything else, naming the two values and what they trade', () => {
    for (const value of ['off', 'FULL ', 'extra', '1']) {
      expect(() => loadConfig({ AGENTGATE_SQLITE_SYNCHRONOUS: value })).toThrow(
        /AGENTGATE_SQLITE_SYNCHRONOUS must be full .*power loss.* or normal/,
      );
    }
  });
});
