/**
 * The PostgreSQL store chains the audit entries of appended rows in SQL (`agentgate_append`,
 * migration 4) while every reader checks them with audit-chain.ts: the two must agree byte for
 * byte, whatever the details hold (quotes, backslashes, line separators, astral characters, NULs
 * and lone surrogates, which canonical JSON escapes, deep nesting). Each property run appends a batch in one turn, as a loaded server
 * would, and the whole trail must verify from genesis.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../../app/adapters/postgres/pg-store.js';
import { verifyAuditChain } from '../../../app/approvals/audit-chain.js';
import type { Store } from '../../../app/ports/store.js';
import { createTestSchema, type TestSchema } from '../../helpers/pg-cluster-db.js';
import { anAuditEvent, aRequestRecord } from '../../store/builders.js';

let db: TestSchema;
let store: Store;

beforeAll(async () => {
  db = await createTestSchema('chain');
  store = await openPostgresStore({ connectionString: db.url, schema: db.schema });
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
});

const hostileText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom('"', '\\', '\\n', '\u2028\u2029', '\u0000', '😀', 'é', '\ud800', "'; DROP TABLE audit; --"),
);
/** Actors are names AgentGate makes (`api:<key name>`, `github:<login>`): text PostgreSQL can hold. */
const actorText = fc.string({ unit: 'grapheme' }).filter((text) => !text.includes('\u0000'));
const details = fc.dictionary(hostileText, fc.oneof(hostileText, fc.jsonValue({ maxDepth: 4 })), {
  maxKeys: 6,
});

describe('audit entries chained in SQL', () => {
  it('hash as audit-chain.ts hashes them, for any details', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(details, { minLength: 1, maxLength: 8 }), actorText, async (all, actor) => {
        const request = aRequestRecord();
        // One turn: the request with its entry, and free-standing entries, in one appended batch.
        await Promise.all([
          store.insertRequest(request, [anAuditEvent({ requestId: request.id, details: all[0] })]),
          ...all
            .slice(1)
            .map((d) => store.appendAudit([anAuditEvent({ requestId: null, actor, details: d })])),
        ]);
      }),
      { numRuns: 60 },
    );
    const trail = await store.listAudit({ limit: 10_000, offset: 0 });
    expect(trail.length).toBeGreaterThan(60);
    expect(verifyAuditChain(trail)).toMatchObject({ ok: true, checked: trail.length });
    expect(await store.getAuditHead()).toEqual({ count: trail.length, lastHash: trail.at(-1)?.hash });
  });
});
