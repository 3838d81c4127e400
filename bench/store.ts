/**
 * SQLite store throughput: requests inserted per second, each with its 3 audit events (created,
 * evaluated, decided) in one transaction, on a file with the production pragmas.
 * One caller at a time measures a commit per insert; 64 at a time, what a loaded server sees.
 * Run: `npx tsx bench/store.ts [count]`. The HTTP server needs 3,000 creates/s on top of this.
 * `npx tsx bench/store.ts [count] postgres://postgres@127.0.0.1:5432/test` measures the PostgreSQL
 * store instead, in a schema of its own that it drops at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../app/adapters/postgres/pg-store.js';
import { openSqliteStore } from '../app/adapters/sqlite/sqlite-store.js';
import type { AuditEventInput, RequestRecord } from '../app/ports/store.js';

const count = Number(process.argv[2] ?? 20_000);
const postgresUrl = process.argv[3];
const schema = `agentgate_bench_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'agentgate-bench-'));
const store = postgresUrl
  ? await openPostgresStore({ connectionString: postgresUrl, schema })
  : await openSqliteStore({ path: join(dir, 'bench.db') });

function requestAndEvents(i: number): [RequestRecord, AuditEventInput[]] {
  const now = new Date().toISOString();
  const id = `req_bench_${i}`;
  const request: RequestRecord = {
    id,
    ownerId: 'key:bench',
    action: 'send_email',
    params: { to: 'ops@example.com', amount: i, subject: 'Quarterly numbers' },
    context: { agent: 'bench', onBehalfOf: 'alice' },
    urgency: 'normal',
    status: 'approved',
    createdAt: now,
    updatedAt: now,
    decidedAt: now,
    expiresAt: now,
    decidedBy: 'policy',
    decisionReason: 'auto-approved by rule "small-amounts"',
    repository: null,
    requester: { type: 'api_key', name: 'bench' },
    policyDecision: {
      decision: 'auto_approve',
      rules: ['small-amounts'],
      policyVersion: 'local',
      reason: 'ok',
    },
    review: null,
  };
  const event = (eventType: string, details: Record<string, unknown>): AuditEventInput => ({
    requestId: id,
    eventType,
    actor: 'api:bench',
    details,
    createdAt: now,
  });
  return [
    request,
    [
      event('created', { action: 'send_email' }),
      event('evaluated', { decision: 'auto_approve', rules: ['small-amounts'], policyVersion: 'local' }),
      event('approved', { decidedBy: 'policy' }),
    ],
  ];
}

// Warm up the statements and the page cache.
for (let i = 0; i < 500; i += 1) await store.insertRequest(...requestAndEvents(-i - 1));

/**
 * Inserts `count` requests with `inFlight` callers at a time. Returns inserts per second of wall
 * time, and per second of this process's CPU time (steadier on a shared machine).
 */
async function measure(offset: number, inFlight: number): Promise<{ wall: number; cpu: number }> {
  let next = 0;
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const i = offset + next++;
        const [request, events] = requestAndEvents(i);
        await store.insertRequest(request, events, { ownerId: 'key:bench', key: `k${i}`, fingerprint: 'f' });
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return {
    wall: count / (Number(process.hrtime.bigint() - started) / 1e9),
    cpu: count / ((cpu.user + cpu.system) / 1e6),
  };
}
const show = ({ wall, cpu }: { wall: number; cpu: number }) =>
  `${Math.round(wall)} inserts/s (${Math.round(cpu)} per CPU-second)`;

const sequential = await measure(0, 1);
const concurrent = await measure(count, 64);
await store.close();
rmSync(dir, { recursive: true, force: true });
if (postgresUrl) {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
}

const where = postgresUrl ? 'PostgreSQL, group commit per instance' : 'WAL, synchronous=NORMAL';
console.log(
  `${store.kind} store inserts (each with 3 chained audit events and an idempotency key; ${where}; ${count} per run):\n` +
    `  one caller at a time:  ${show(sequential)}\n` +
    `  64 callers at a time:  ${show(concurrent)}, group commit`,
);
