/**
 * `agentgate audit verify` against an attacker who holds a copy of the database file: drops the
 * append-only triggers, then deletes or edits entries. The chain finds edits and gaps; the audit head
 * finds what the chain alone cannot (entries deleted from the end, or all of them).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openSqliteStore } from '../../app/adapters/sqlite/sqlite-store.js';
import { runCli as runCliInProcess } from '../../app/cli/main.js';
import { verifyAuditTrail } from '../../app/services/verify-audit-trail.js';
import type { AuditEntry } from '../../sdk/schemas.js';
import { runCli } from '../helpers/run-cli.js';
import { anAuditEvent, at } from '../store/builders.js';

let dir: string;
let original: string;
let trail: AuditEntry[];
let copies = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentgate-audit-verify-'));
  original = join(dir, 'original.db');
  const store = await openSqliteStore({ path: original });
  for (let i = 0; i < 10; i += 1) {
    await store.appendAudit([anAuditEvent({ createdAt: at(i), details: { n: i } })]);
  }
  trail = await store.listAudit({ limit: 100, offset: 0 });
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the database with `tamper` applied, triggers dropped first, as an attacker would. */
function tamperedCopy(tamper: (db: Database.Database) => void): string {
  const path = join(dir, `copy-${++copies}.db`);
  copyFileSync(original, path);
  if (existsSync(`${original}-wal`)) copyFileSync(`${original}-wal`, `${path}-wal`);
  const db = new Database(path);
  db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; DROP TRIGGER audit_head_no_delete');
  tamper(db);
  db.close();
  return path;
}

async function verdictOf(path: string) {
  const store = await openSqliteStore({ path });
  try {
    return await verifyAuditTrail(store);
  } finally {
    await store.close();
  }
}

const hashOf = (n: number) => trail[n - 1]!.hash;
const deleteAfter = (seq: number) => (db: Database.Database) => {
  db.prepare('DELETE FROM audit WHERE seq > ?').run(seq);
};

describe('audit verify: what it finds', () => {
  it('passes an untouched copy, naming the count and the last hash', async () => {
    expect(await verdictOf(tamperedCopy(() => {}))).toEqual({
      ok: true,
      checked: 10,
      head: { count: 10, lastHash: hashOf(10) },
    });
  });

  it('finds the last entries deleted, which leaves a valid but shorter chain', async () => {
    expect(await verdictOf(tamperedCopy(deleteAfter(7)))).toEqual({
      ok: false,
      checked: 7,
      problem: `truncated: the head says 10 entries ending in ${hashOf(10)}, the table has 7 ending in ${hashOf(7)} (the last 3 entries were deleted)`,
    });
    expect((await verdictOf(tamperedCopy(deleteAfter(9)))).ok).toBe(false);
  });

  it('finds every entry deleted', async () => {
    expect(await verdictOf(tamperedCopy(deleteAfter(0)))).toMatchObject({
      ok: false,
      checked: 0,
      problem: `truncated: the head says 10 entries ending in ${hashOf(10)}, the table has none (every entry was deleted)`,
    });
  });

  it('finds an entry deleted in the middle, at the entry after the gap', async () => {
    const verdict = await verdictOf(
      tamperedCopy((db) => db.prepare('DELETE FROM audit WHERE seq = 5').run()),
    );
    expect(verdict).toEqual({
      ok: false,
      checked: 4,
      entryId: trail[5]!.id,
      problem: 'prevHash does not match the previous entry (an entry was removed or reordered)',
    });
  });

  it('finds an edited entry', async () => {
    const verdict = await verdictOf(
      tamperedCopy((db) => db.prepare("UPDATE audit SET actor = 'api:mallory' WHERE seq = 3").run()),
    );
    expect(verdict).toEqual({
      ok: false,
      checked: 2,
      entryId: trail[2]!.id,
      problem: 'hash does not match the entry content (the entry was changed)',
    });
  });

  it('finds a truncation even after the server appended again (new entries chain from the head)', async () => {
    const path = tamperedCopy(deleteAfter(7));
    const store = await openSqliteStore({ path });
    const [appended] = await store.appendAudit([anAuditEvent({ eventType: 'reflected' })]);
    await store.close();
    expect(appended?.prevHash).toBe(hashOf(10));
    expect(await verdictOf(path)).toMatchObject({ ok: false, checked: 7, entryId: appended?.id });
  });

  it('finds a validly chained entry added behind the head', async () => {
    const path = tamperedCopy(deleteAfter(9));
    // Put entry 10 back, but move the head back to 9 first: the table now has one entry too many.
    const db = new Database(path);
    db.prepare('UPDATE audit_head SET count = 9, last_hash = ?').run(hashOf(9));
    const e = trail[9]!;
    db.prepare(
      'INSERT INTO audit (id, request_id, event_type, actor, details, created_at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      e.id,
      e.requestId,
      e.eventType,
      e.actor,
      JSON.stringify(e.details),
      e.createdAt,
      e.prevHash,
      e.hash,
    );
    db.close();
    expect(await verdictOf(path)).toMatchObject({
      ok: false,
      problem: `extended: the head says 9 entries ending in ${hashOf(9)}, the table has 10 (an entry was added outside AgentGate)`,
    });
  });

  it('refuses to call a trail intact when its head row was deleted', async () => {
    const path = tamperedCopy((db) => {
      db.exec('DELETE FROM audit_head; DELETE FROM audit');
    });
    await expect(verdictOf(path)).rejects.toThrow(/audit head \(table audit_head\) has no row/);
  });
});

describe('agentgate audit verify: every attack, its message and exit code', () => {
  /** The CLI in this process (what bin/agentgate.js runs), its output captured. */
  async function verifyHere(path: string) {
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = path;
    try {
      const code = await runCliInProcess(['audit', 'verify']);
      return { code, stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  }

  it.each([
    [
      'untouched',
      () => {},
      0,
      /^Audit trail intact: 10 entries verified against the audit head, ending in [0-9a-f]{64}\.$/,
    ],
    [
      'last 3 deleted',
      deleteAfter(7),
      1,
      /^agentgate: Audit trail TAMPERED: truncated: the head says 10 entries ending in [0-9a-f]{64}, the table has 7 ending in [0-9a-f]{64} \(the last 3 entries were deleted\)\.$/,
    ],
    [
      'all deleted',
      deleteAfter(0),
      1,
      /^agentgate: Audit trail TAMPERED: truncated: the head says 10 entries ending in [0-9a-f]{64}, the table has none \(every entry was deleted\)\.$/,
    ],
    [
      'one in the middle deleted',
      (db: Database.Database) => db.prepare('DELETE FROM audit WHERE seq = 5').run(),
      1,
      /^agentgate: Audit trail TAMPERED at entry aud_\w+ \(after 4 good entries\): prevHash does not match the previous entry \(an entry was removed or reordered\)\.$/,
    ],
    [
      'one edited',
      (db: Database.Database) => db.prepare('UPDATE audit SET details = \'{"n":99}\' WHERE seq = 3').run(),
      1,
      /^agentgate: Audit trail TAMPERED at entry aud_\w+ \(after 2 good entries\): hash does not match the entry content \(the entry was changed\)\.$/,
    ],
    [
      'head row deleted',
      (db: Database.Database) => db.exec('DELETE FROM audit_head'),
      1,
      /^agentgate: The audit head \(table audit_head\) has no row: it was deleted outside AgentGate/,
    ],
  ] as const)('%s: exit %i', async (_name, tamper, code, message) => {
    const run = await verifyHere(tamperedCopy(tamper));
    expect(run.code).toBe(code);
    expect((code === 0 ? run.stdout : run.stderr).trim()).toMatch(message);
    expect(code === 0 ? run.stderr : run.stdout).toBe('');
  });
});

describe('agentgate audit verify as a process: exit codes and messages', () => {
  const verify = (path: string) => runCli(['audit', 'verify'], { env: { DATABASE_URL: path } });

  it('exits 0 when intact and 1, with the finding, when truncated', async () => {
    const [intact, truncated] = await Promise.all([
      verify(tamperedCopy(() => {})),
      verify(tamperedCopy(deleteAfter(7))),
    ]);
    expect(intact).toMatchObject({ code: 0, stderr: '' });
    expect(intact.stdout).toBe(
      `Audit trail intact: 10 entries verified against the audit head, ending in ${hashOf(10)}.\n`,
    );
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toBe(
      `agentgate: Audit trail TAMPERED: truncated: the head says 10 entries ending in ${hashOf(10)}, ` +
        `the table has 7 ending in ${hashOf(7)} (the last 3 entries were deleted).\n`,
    );
  }, 60_000);
});
