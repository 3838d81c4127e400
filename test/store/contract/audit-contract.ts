import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, verifyAuditChain } from '../../../app/approvals/audit-chain.js';
import type { Store } from '../../../app/ports/store.js';
import type { AuditEntry } from '../../../sdk/schemas.js';
import { aDecision, anAuditEvent, aRequestRecord, aReview, at } from '../builders.js';

const everything = { limit: 100_000, offset: 0 };

export function describeAuditContract(current: () => Store): void {
  describe('appendAudit and listAudit', () => {
    it('chains the first entry to the genesis hash and returns what listAudit reads back', async () => {
      const appended = await current().appendAudit([
        anAuditEvent({
          eventType: 'key_created',
          actor: 'cli',
          details: { keyId: 'key_1', scopes: ['admin'] },
        }),
        anAuditEvent({ eventType: 'reflected', details: { where: { github: true, slack: false }, n: 1.5 } }),
      ]);
      expect(appended).toHaveLength(2);
      expect(appended[0]!.prevHash).toBe(GENESIS_HASH);
      expect(appended[1]!.prevHash).toBe(appended[0]!.hash);
      expect(appended[0]).toMatchObject({
        requestId: null,
        eventType: 'key_created',
        actor: 'cli',
        details: { keyId: 'key_1', scopes: ['admin'] },
        createdAt: at(0),
      });
      for (const entry of appended) expect(entry.id).toMatch(/^aud_/);
      expect(new Set(appended.map((e) => e.id)).size).toBe(2);
      expect(await current().listAudit(everything)).toEqual(appended);
      expect(verifyAuditChain(appended).ok).toBe(true);
    });

    it('appends nothing for an empty list', async () => {
      expect(await current().appendAudit([])).toEqual([]);
      expect(await current().listAudit(everything)).toEqual([]);
    });

    it('keeps one valid chain across many concurrent appends, inserts and decisions', async () => {
      const requests = Array.from({ length: 20 }, (_, i) => aRequestRecord({ createdAt: at(i) }));
      await Promise.all(
        requests.map((r) =>
          current().insertRequest(r, [
            anAuditEvent({ requestId: r.id, eventType: 'created' }),
            anAuditEvent({ requestId: r.id, eventType: 'evaluated', actor: 'policy' }),
          ]),
        ),
      );
      const work: Promise<unknown>[] = [];
      for (let round = 0; round < 10; round += 1) {
        for (const [i, r] of requests.entries()) {
          work.push(
            current().appendAudit(
              Array.from({ length: 1 + ((round + i) % 3) }, (_, n) =>
                anAuditEvent({ requestId: r.id, eventType: 'reflected', details: { round, n } }),
              ),
            ),
          );
        }
        work.push(current().appendAudit([anAuditEvent({ eventType: 'key_created', details: { round } })]));
      }
      for (const r of requests.slice(0, 10)) {
        work.push(
          current().updateReview(r.id, aReview(), at(500), [
            anAuditEvent({ requestId: r.id, eventType: 'vote' }),
          ]),
        );
        work.push(
          current().transition(r.id, aDecision(), [anAuditEvent({ requestId: r.id, eventType: 'approved' })]),
        );
      }
      await Promise.all(work);

      const trail = await current().listAudit(everything);
      // 20×2 created/evaluated + reflected (each request gets 1+2+3… cycling) + 10 key events + 10 votes + 10 decisions
      const reflected = requests.reduce(
        (sum, _r, i) =>
          sum + Array.from({ length: 10 }, (_, round) => 1 + ((round + i) % 3)).reduce((a, b) => a + b),
        0,
      );
      expect(trail).toHaveLength(40 + reflected + 10 + 10 + 10);
      expect(verifyAuditChain(trail)).toMatchObject({ ok: true, checked: trail.length });
      expect(new Set(trail.map((e) => e.id)).size).toBe(trail.length);

      // Page by page, each page continuing from the previous page's last hash.
      let prevHash = GENESIS_HASH;
      for (let offset = 0; offset < trail.length; offset += 37) {
        const page = await current().listAudit({ limit: 37, offset });
        expect(page).toEqual(trail.slice(offset, offset + 37));
        const verdict = verifyAuditChain(page, prevHash);
        expect(verdict.ok).toBe(true);
        if (verdict.ok) prevHash = verdict.lastHash;
      }
    });

    it('keeps the given order of the events of one call', async () => {
      const events = ['created', 'evaluated', 'approved'].map((eventType) => anAuditEvent({ eventType }));
      const appended = await current().appendAudit(events);
      expect(appended.map((e) => e.eventType)).toEqual(['created', 'evaluated', 'approved']);
    });

    describe('filters', () => {
      async function seed(): Promise<AuditEntry[]> {
        return current().appendAudit([
          anAuditEvent({ requestId: 'req_1', eventType: 'created', actor: 'api:a', createdAt: at(10) }),
          anAuditEvent({ requestId: 'req_2', eventType: 'created', actor: 'api:b', createdAt: at(20) }),
          anAuditEvent({ requestId: 'req_1', eventType: 'vote', actor: 'github:alice', createdAt: at(30) }),
          anAuditEvent({
            requestId: 'req_1',
            eventType: 'approved',
            actor: 'github:alice',
            createdAt: at(40),
          }),
          anAuditEvent({ requestId: null, eventType: 'key_created', actor: 'cli', createdAt: at(50) }),
          anAuditEvent({
            requestId: 'req_2',
            eventType: 'expired',
            actor: 'system:expiry',
            createdAt: at(60),
          }),
        ]);
      }
      const pick = (entries: AuditEntry[], indexes: number[]) => indexes.map((i) => entries[i]);

      it.each([
        ['requestId', { requestId: 'req_1' }, [0, 2, 3]],
        ['eventType', { eventType: 'created' }, [0, 1]],
        ['actor', { actor: 'github:alice' }, [2, 3]],
        ['since (inclusive)', { since: at(40) }, [3, 4, 5]],
        ['until (exclusive)', { until: at(30) }, [0, 1]],
        ['since and until', { since: at(20), until: at(50) }, [1, 2, 3]],
        ['since with an offset time zone', { since: '2025-01-01T02:00:40.000+02:00' }, [3, 4, 5]],
        ['requestId and eventType', { requestId: 'req_1', eventType: 'vote' }, [2]],
        [
          'everything at once',
          { requestId: 'req_1', eventType: 'approved', actor: 'github:alice', since: at(0), until: at(41) },
          [3],
        ],
        ['a filter nothing matches', { actor: 'nobody' }, []],
      ])('filters by %s, in chain order', async (_name, filter, expected) => {
        const entries = await seed();
        expect(await current().listAudit({ ...filter, limit: 100, offset: 0 })).toEqual(
          pick(entries, expected),
        );
      });

      it('pages a filtered trail with limit and offset', async () => {
        const entries = await seed();
        const filter = { requestId: 'req_1' };
        expect(await current().listAudit({ ...filter, limit: 2, offset: 0 })).toEqual(pick(entries, [0, 2]));
        expect(await current().listAudit({ ...filter, limit: 2, offset: 2 })).toEqual(pick(entries, [3]));
        expect(await current().listAudit({ ...filter, limit: 2, offset: 4 })).toEqual([]);
      });
    });
  });
}
