/**
 * API key changes heard across instances (migration 2's trigger, PgDecisionBus as KeyChangeFeed): two
 * instances share one PostgreSQL store, each caching keys; a key revoked or changed through one of
 * them, or by hand in SQL, is refused or re-read by the other as soon as the NOTIFY arrives, and an
 * instance whose LISTEN connection is lost caches nothing until it listens again. No sleeps: every
 * step waits for the notification or the connection event it needs.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgDecisionBus } from '../../../app/adapters/postgres/pg-notify-bus.js';
import { openPostgresStore } from '../../../app/adapters/postgres/pg-store.js';
import { createLogger } from '../../../app/logger.js';
import { systemClock } from '../../../app/ports/clock.js';
import type { Store } from '../../../app/ports/store.js';
import { ApiKeyService } from '../../../app/services/api-key-service.js';
import { AppError } from '../../../app/services/app-error.js';
import { newId } from '../../../app/services/ids.js';
import { createTestSchema, type TestSchema } from '../../helpers/pg-cluster-db.js';

const log = createLogger('silent');
let db: TestSchema;
let pool: pg.Pool;
let store: Store;
const buses: PgDecisionBus[] = [];

beforeAll(async () => {
  db = await createTestSchema('keys');
  pool = db.pool();
  store = await openPostgresStore({ connectionString: db.url, schema: db.schema });
});
afterAll(async () => {
  await Promise.all(buses.map((bus) => bus.close()));
  await store?.close();
  await db?.drop();
});

/** An instance: its key service, caching keys, and what its feed hears. */
async function startInstance() {
  const applicationName = `agentgate-test-${randomBytes(4).toString('hex')}`;
  const states: Record<'listening' | 'lost', (() => void)[]> = { listening: [], lost: [] };
  const bus = new PgDecisionBus({
    pool,
    connection: { ...db.connection, application_name: applicationName },
    channel: `agentgate_test_${randomBytes(4).toString('hex')}`,
    log,
    onState: (state) => {
      for (const resolve of states[state].splice(0)) resolve();
    },
  });
  buses.push(bus);
  const heard: { keyId: string; resolve: () => void }[] = [];
  bus.watch((keyId) => {
    for (const waiter of heard.filter((w) => w.keyId === keyId)) {
      heard.splice(heard.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  await bus.start({ decided() {}, resync() {} });
  const keys = new ApiKeyService({ store, clock: systemClock, newId, keyChanges: bus });
  return {
    keys,
    bus,
    applicationName,
    /** Resolves when this instance hears a change of `keyId` (call before making the change). */
    hears: (keyId: string) => new Promise<void>((resolve) => heard.push({ keyId, resolve })),
    next: (state: 'listening' | 'lost') => new Promise<void>((resolve) => states[state].push(resolve)),
  };
}

const refused = (attempt: Promise<unknown>) =>
  expect(attempt).rejects.toSatisfy((error) => error instanceof AppError && error.code === 'unauthorized');

describe('API key changes across instances (PostgreSQL)', () => {
  it('a key revoked on instance A is refused by instance B, which had it cached', async () => {
    const [a, b] = await Promise.all([startInstance(), startInstance()]);
    const created = await a.keys.create({ name: 'agent', scopes: ['request:create'] }, 'test');
    expect((await b.keys.authenticate(created.key)).keyId).toBe(created.id);
    const heard = b.hears(created.id);
    await a.keys.revoke(created.id, 'test');
    await heard;
    await refused(b.keys.authenticate(created.key));
    await refused(a.keys.authenticate(created.key));
  });

  it('a change made by hand in SQL is heard too: B reads the key again', async () => {
    const [a, b] = await Promise.all([startInstance(), startInstance()]);
    const created = await a.keys.create({ name: 'agent', scopes: ['request:create'] }, 'test');
    expect((await b.keys.authenticate(created.key)).rateLimit).toBeNull();
    const heard = b.hears(created.id);
    await pool.query('UPDATE api_keys SET rate_limit = 7 WHERE id = $1', [created.id]);
    await heard;
    expect((await b.keys.authenticate(created.key)).rateLimit).toBe(7);
    const revoked = b.hears(created.id);
    await pool.query("UPDATE api_keys SET revoked_at = '2026-12-05T00:00:00.000Z' WHERE id = $1", [
      created.id,
    ]);
    await revoked;
    await refused(b.keys.authenticate(created.key));
  });

  it('an instance whose LISTEN connection is lost is not live, and trusts its cache again only once it listens', async () => {
    const [a, b] = await Promise.all([startInstance(), startInstance()]);
    const created = await a.keys.create({ name: 'agent', scopes: ['request:create'] }, 'test');
    await b.keys.authenticate(created.key);
    expect(b.bus.live).toBe(true);
    const lost = b.next('lost');
    const back = b.next('listening');
    await pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
      b.applicationName,
    ]);
    await lost;
    expect(b.bus.live).toBe(false);
    // Revoked while B cannot hear it: B must not answer from what it had cached.
    await a.keys.revoke(created.id, 'test');
    await refused(b.keys.authenticate(created.key));
    await back;
    expect(b.bus.live).toBe(true);
  });
});
