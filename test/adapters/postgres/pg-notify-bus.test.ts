/**
 * Waiters wake across instances (issue #17, item 2): two hubs, each with its own PostgreSQL LISTEN
 * connection, sharing one "store" (a map both read). No sleeps: every step waits for an event.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgDecisionBus } from '../../../app/adapters/postgres/pg-notify-bus.js';
import { createLogger } from '../../../app/logger.js';
import type { RequestRecord } from '../../../app/ports/store.js';
import { DecisionHub } from '../../../app/services/decision-hub.js';
import { createTestSchema, type TestSchema } from '../../helpers/pg-cluster-db.js';

const log = createLogger('silent');
let db: TestSchema;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestSchema('bus');
  pool = db.pool();
});
afterAll(async () => {
  await db?.drop();
});

/** The shared store: what every instance reads back when told a request was decided. */
const stored = new Map<string, RequestRecord>();
const record = (id: string, status: RequestRecord['status']) => ({ id, status }) as RequestRecord;

interface Instance {
  hub: DecisionHub;
  bus: PgDecisionBus;
  /** Resolves at the next 'listening' (e.g. after a reconnect). */
  nextListening(): Promise<void>;
  nextLost(): Promise<void>;
  /** Reconnects held back by the test (see `holdReconnects`). */
  pendingReconnects: (() => void)[];
  applicationName: string;
}

async function startInstance(channel: string, options: { holdReconnects?: boolean } = {}): Promise<Instance> {
  const applicationName = `agentgate-test-${randomBytes(4).toString('hex')}`;
  const waiting: Record<'listening' | 'lost', (() => void)[]> = { listening: [], lost: [] };
  const pendingReconnects: (() => void)[] = [];
  const bus = new PgDecisionBus({
    pool,
    connection: { ...db.connection, application_name: applicationName },
    channel,
    log,
    onState: (state) => {
      for (const resolve of waiting[state].splice(0)) resolve();
    },
    ...(options.holdReconnects && {
      scheduleReconnect: (reconnect: () => void) => pendingReconnects.push(reconnect),
    }),
  });
  const hub = new DecisionHub({ bus, read: async (id) => stored.get(id) ?? null, log });
  await hub.start();
  const next = (state: 'listening' | 'lost') => new Promise<void>((resolve) => waiting[state].push(resolve));
  return {
    hub,
    bus,
    nextListening: () => next('listening'),
    nextLost: () => next('lost'),
    pendingReconnects,
    applicationName,
  };
}

const channelName = () => `agentgate_test_${randomBytes(4).toString('hex')}`;

/** Subscribes like `RequestService.wait` does, resolving with the record the waiter is woken with. */
const waitFor = (hub: DecisionHub, id: string) =>
  new Promise<RequestRecord>((resolve) => hub.subscribe(id, resolve));

describe('PgDecisionBus', () => {
  it('a decision published on instance A wakes the waiters on B and C', async () => {
    const channel = channelName();
    const [a, b, c] = await Promise.all([
      startInstance(channel),
      startInstance(channel),
      startInstance(channel),
    ]);
    try {
      stored.set('req_1', record('req_1', 'pending'));
      const onB = waitFor(b.hub, 'req_1');
      const onC = waitFor(c.hub, 'req_1');
      expect(b.hub.size).toBe(1);
      stored.set('req_1', record('req_1', 'approved'));
      a.hub.publish(record('req_1', 'approved'));
      expect((await onB).status).toBe('approved');
      expect((await onC).status).toBe('approved');
      expect(b.hub.size).toBe(0);
      expect(c.hub.size).toBe(0);
    } finally {
      await Promise.all([a.hub.close(), b.hub.close(), c.hub.close()]);
    }
  });

  it('an announcement of a request still pending (read back) does not wake anyone', async () => {
    const channel = channelName();
    const [a, b] = await Promise.all([startInstance(channel), startInstance(channel)]);
    try {
      stored.set('req_2', record('req_2', 'pending'));
      stored.set('req_3', record('req_3', 'pending'));
      let woken = false;
      b.hub.subscribe('req_2', () => {
        woken = true;
      });
      const third = waitFor(b.hub, 'req_3');
      // A forged or early notification for req_2: B reads it back, still pending, and keeps waiting.
      await b.bus.announce('req_2');
      stored.set('req_3', record('req_3', 'denied'));
      a.hub.publish(record('req_3', 'denied'));
      // Notifications arrive in order on one connection: once req_3 woke, req_2's was handled.
      expect((await third).status).toBe('denied');
      expect(woken).toBe(false);
      expect(b.hub.waitingIds()).toEqual(['req_2']);
    } finally {
      await Promise.all([a.hub.close(), b.hub.close()]);
    }
  });

  it('a decision announced while B had lost its connection still wakes B’s waiter once B is back', async () => {
    const channel = channelName();
    const a = await startInstance(channel);
    const b = await startInstance(channel, { holdReconnects: true });
    try {
      stored.set('req_gap', record('req_gap', 'pending'));
      const woken = waitFor(b.hub, 'req_gap');
      const lost = b.nextLost();
      const killed = await pool.query<{ killed: boolean }>(
        'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1',
        [b.applicationName],
      );
      expect(killed.rows).toEqual([{ killed: true }]);
      await lost;
      // Decided and announced while B is not listening: this NOTIFY never reaches B.
      stored.set('req_gap', record('req_gap', 'approved'));
      await a.bus.announce('req_gap');
      expect(b.hub.size).toBe(1);
      // B comes back: LISTEN again, then the catch-up read of every id it has waiters for.
      expect(b.pendingReconnects).toHaveLength(1);
      const back = b.nextListening();
      b.pendingReconnects.shift()?.();
      await back;
      expect((await woken).status).toBe('approved');
      expect(b.hub.size).toBe(0);

      // And B hears live announcements again on its new connection.
      stored.set('req_after', record('req_after', 'pending'));
      const after = waitFor(b.hub, 'req_after');
      stored.set('req_after', record('req_after', 'denied'));
      a.hub.publish(record('req_after', 'denied'));
      expect((await after).status).toBe('denied');
    } finally {
      await Promise.all([a.hub.close(), b.hub.close()]);
    }
  });

  it('after a reconnect, every waiter whose request was decided in the gap answers (many at once), the rest wait on', async () => {
    const channel = channelName();
    const b = await startInstance(channel, { holdReconnects: true });
    try {
      const ids = Array.from({ length: 50 }, (_, i) => `req_many_${i}`);
      for (const id of ids) stored.set(id, record(id, 'pending'));
      const woken = ids.map((id) => waitFor(b.hub, id));
      const lost = b.nextLost();
      await pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
        b.applicationName,
      ]);
      await lost;
      // 45 decided while B was away (nobody announces them to B); 5 still pending.
      const decided = ids.slice(0, 45);
      for (const id of decided) stored.set(id, record(id, 'approved'));
      const back = b.nextListening();
      b.pendingReconnects.shift()?.();
      await back;
      await Promise.all(woken.slice(0, 45));
      expect(b.hub.waitingIds().sort()).toEqual(ids.slice(45).sort());
    } finally {
      await b.hub.close();
    }
  });

  it('does not start deaf: the first LISTEN connection failing fails start', async () => {
    const bus = new PgDecisionBus({
      pool,
      connection: { host: '127.0.0.1', port: 1, user: 'postgres', database: 'test' },
      channel: channelName(),
      log,
    });
    const hub = new DecisionHub({ bus, read: async () => null, log });
    await expect(hub.start()).rejects.toThrow(/ECONNREFUSED/);
    await hub.close();
  });

  it('refuses a channel name that is not a plain identifier (it is spliced into LISTEN)', () => {
    expect(
      () => new PgDecisionBus({ pool, connection: db.connection, channel: 'x; DROP TABLE y', log }),
    ).toThrow(/lower-case SQL identifier/);
  });
});
