/**
 * Votes on one request arriving at two instances at the same moment. Each instance serializes its own
 * votes per request, but not the other's: the review's compare-and-set in the store makes the vote
 * tallied from a stale review count again, so no vote is lost and the request is decided.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../app/adapters/postgres/pg-store.js';
import type { Ballot } from '../../app/services/vote-service.js';
import { keyClient } from '../helpers/http.js';
import { postgresSchemas, requirePostgres } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const POLICIES = {
  'payments.yaml': `
rules:
  - name: finance
    if: { action: "payments.*" }
    decision: route_to_human
    route: { approvers: { teams: [acme/finance] }, count: 2 }
`,
};

const schemas = postgresSchemas();
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  await requirePostgres();
  const schema = schemas.next();
  const open = () =>
    openPostgresStore({ connectionString: schemas.connectionString, schema, maxConnections: 3 });
  a = await startTestServer({ policies: POLICIES, store: await open(), sweepIntervalMs: 3_600_000 });
  b = await startTestServer({ policies: POLICIES, store: await open(), sweepIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

const ballot = (voter: string): Ballot => ({
  voter: `github:${voter}`,
  decision: 'approve',
  reason: null,
  source: 'github:comment',
  qualifiesFor: ['finance'],
});

describe('votes racing on two instances', () => {
  it('count both: the second approval decides the request, whichever instance tallied first', async () => {
    const agent = (await keyClient(a.url, a.adminKey, 'agent', ['request:create'])).api;
    for (let round = 0; round < 10; round += 1) {
      const { body } = await agent('POST', '/api/requests', { action: 'payments.send', params: { round } });
      const [first, second] = await Promise.all([
        a.server.votes.castVote(body.id, ballot(`alice${round}`)),
        b.server.votes.castVote(body.id, ballot(`bob${round}`)),
      ]);
      expect([first.outcome, second.outcome].sort()).toEqual(['approved', 'counted']);
      const stored = await a.store.getRequest(body.id);
      expect(stored?.status).toBe('approved');
      expect(stored?.review?.requirements[0]?.approvedBy.sort()).toEqual([
        `github:alice${round}`,
        `github:bob${round}`,
      ]);
    }
  });
});
