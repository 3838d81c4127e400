/**
 * Migrations 7 (audit head) and 8 (webhooks.enabled) on a database written before them: the head is
 * backfilled from the trail as it stands, and existing subscriptions stay enabled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS } from '../../app/adapters/sqlite/migrations.js';
import { openSqliteStore } from '../../app/adapters/sqlite/sqlite-store.js';
import { GENESIS_HASH, hashAuditEntry } from '../../app/approvals/audit-chain.js';
import { verifyAuditTrail } from '../../app/services/verify-audit-trail.js';
import { at } from '../store/builders.js';

const dir = mkdtempSync(join(tmpdir(), 'agentgate-backfill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A database at schema version 6 holding `entries` chained audit entries and one webhook. */
function version6Database(path: string, entries: number): string | null {
  const db = new Database(path);
  applyMigrations(db, MIGRATIONS.slice(0, 6));
  let prevHash = GENESIS_HASH;
  const insert = db.prepare(
    'INSERT INTO audit (id, request_id, event_type, actor, details, created_at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (let i = 0; i < entries; i += 1) {
    const content = {
      id: `aud_old_${i}`,
      requestId: null,
      eventType: 'key_created',
      actor: 'cli:keys',
      details: { i },
      createdAt: at(i),
      prevHash,
    };
    const hash = hashAuditEntry(content);
    insert.run(
      content.id,
      null,
      content.eventType,
      content.actor,
      JSON.stringify(content.details),
      content.createdAt,
      prevHash,
      hash,
    );
    prevHash = hash;
  }
  db.prepare('INSERT INTO webhooks (id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?)').run(
    'whk_old',
    'https://hooks.example.com/x',
    '["request.created"]',
    'whsec_old',
    at(0),
  );
  db.close();
  return entries === 0 ? null : prevHash;
}

describe('SQLite: backfilling the audit head and webhooks.enabled', () => {
  it('records the existing trail in the head, keeps old subscriptions enabled, and chains on from there', async () => {
    const path = join(dir, 'v6.db');
    const lastHash = version6Database(path, 4);
    const store = await openSqliteStore({ path });
    try {
      expect(await store.getAuditHead()).toEqual({ count: 4, lastHash });
      expect(await store.getWebhook('whk_old')).toMatchObject({ enabled: true });
      const [next] = await store.appendAudit([
        { requestId: null, eventType: 'reflected', actor: 'system', details: {}, createdAt: at(10) },
      ]);
      expect(next?.prevHash).toBe(lastHash);
      expect(await verifyAuditTrail(store)).toMatchObject({ ok: true, checked: 5 });
    } finally {
      await store.close();
    }
  });

  it('backfills an empty trail as no entries', async () => {
    const path = join(dir, 'v6-empty.db');
    version6Database(path, 0);
    const store = await openSqliteStore({ path });
    try {
      expect(await store.getAuditHead()).toEqual({ count: 0, lastHash: null });
      expect(await verifyAuditTrail(store)).toMatchObject({ ok: true, checked: 0 });
    } finally {
      await store.close();
    }
  });
});
