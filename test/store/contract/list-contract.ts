import { describe, expect, it } from 'vitest';
import type { RequestRecord, Store } from '../../../app/ports/store.js';
import { aDecision, aRequestRecord, at } from '../builders.js';

export function describeListContract(current: () => Store): void {
  describe('listRequests', () => {
    /** Twelve requests, created one second apart, with varied status, action, urgency and owner. */
    async function seed(): Promise<RequestRecord[]> {
      const requests = Array.from({ length: 12 }, (_, i) =>
        aRequestRecord({
          createdAt: at(i),
          updatedAt: at(i),
          action: i % 3 === 0 ? 'deploy:production' : 'send_email',
          urgency: i % 4 === 0 ? 'critical' : 'normal',
          ownerId: i % 2 === 0 ? 'key:even' : 'key:odd',
        }),
      );
      for (const r of requests) await current().insertRequest(r, []);
      for (const i of [1, 4, 7]) {
        await current().transition(requests[i]!.id, aDecision({ status: 'approved', at: at(100 + i) }), []);
      }
      return requests;
    }
    const ids = (list: { requests: RequestRecord[] }) => list.requests.map((r) => r.id);

    it('lists newest first with the total', async () => {
      const requests = await seed();
      const list = await current().listRequests({ limit: 100, offset: 0 });
      expect(ids(list)).toEqual(requests.map((r) => r.id).reverse());
      expect(list.total).toBe(12);
      expect(list.requests[0]).toEqual(requests[11]);
    });

    it('breaks createdAt ties by id, descending', async () => {
      const same = ['req_b', 'req_c', 'req_a'].map((id) => aRequestRecord({ id, createdAt: at(5) }));
      for (const r of same) await current().insertRequest(r, []);
      expect(ids(await current().listRequests({ limit: 10, offset: 0 }))).toEqual([
        'req_c',
        'req_b',
        'req_a',
      ]);
    });

    it('pages with limit and offset while total counts the whole set', async () => {
      const requests = await seed();
      const newestFirst = requests.map((r) => r.id).reverse();
      const pages = [];
      for (let offset = 0; offset < 12; offset += 5) {
        const page = await current().listRequests({ limit: 5, offset });
        expect(page.total).toBe(12);
        pages.push(...ids(page));
      }
      expect(pages).toEqual(newestFirst);
      const beyond = await current().listRequests({ limit: 5, offset: 50 });
      expect(beyond).toEqual({ requests: [], total: 12 });
    });

    it.each([
      ['status', { status: 'approved' as const }, (_r: RequestRecord, i: number) => [1, 4, 7].includes(i)],
      [
        'status pending',
        { status: 'pending' as const },
        (_r: RequestRecord, i: number) => ![1, 4, 7].includes(i),
      ],
      ['action', { action: 'deploy:production' }, (r: RequestRecord) => r.action === 'deploy:production'],
      ['urgency', { urgency: 'critical' as const }, (r: RequestRecord) => r.urgency === 'critical'],
      ['ownerId', { ownerId: 'key:odd' }, (r: RequestRecord) => r.ownerId === 'key:odd'],
      [
        'all combined',
        {
          status: 'pending' as const,
          action: 'deploy:production',
          urgency: 'critical' as const,
          ownerId: 'key:even',
        },
        (r: RequestRecord, i: number) =>
          ![1, 4, 7].includes(i) &&
          r.action === 'deploy:production' &&
          r.urgency === 'critical' &&
          r.ownerId === 'key:even',
      ],
    ])('filters by %s and counts only the matches', async (_name, filter, matches) => {
      const requests = await seed();
      const expected = requests
        .filter((r, i) => matches(r, i))
        .map((r) => r.id)
        .reverse();
      expect(expected.length).toBeGreaterThan(0);
      const list = await current().listRequests({ ...filter, limit: 100, offset: 0 });
      expect(ids(list)).toEqual(expected);
      expect(list.total).toBe(expected.length);
      const firstPage = await current().listRequests({ ...filter, limit: 1, offset: 0 });
      expect(firstPage.total).toBe(expected.length);
      expect(ids(firstPage)).toEqual(expected.slice(0, 1));
    });

    it('filters by repository and by repository owner, case-insensitively, newest first', async () => {
      const repos = [
        'acme/payments',
        'Acme/Payments',
        'acme/web',
        'acme-labs/payments',
        'other/payments',
        null,
      ];
      const requests = repos.map((repository, i) => aRequestRecord({ repository, createdAt: at(i) }));
      for (const r of requests) await current().insertRequest(r, []);
      const byRepo = await current().listRequests({ repository: 'ACME/payments', limit: 10, offset: 0 });
      expect(ids(byRepo)).toEqual([requests[1]!.id, requests[0]!.id]);
      expect(byRepo.total).toBe(2);
      const byOwner = await current().listRequests({ repositoryOwner: 'acme', limit: 10, offset: 0 });
      expect(ids(byOwner)).toEqual([requests[2]!.id, requests[1]!.id, requests[0]!.id]);
      // An owner is matched literally: `_` and `%` are not wildcards.
      expect((await current().listRequests({ repositoryOwner: 'ac_e', limit: 10, offset: 0 })).total).toBe(0);
      expect((await current().listRequests({ repositoryOwner: '%', limit: 10, offset: 0 })).total).toBe(0);
      const latest = await current().listRequests({ repository: 'acme/payments', limit: 1, offset: 0 });
      expect(ids(latest)).toEqual([requests[1]!.id]);
      expect(latest.total).toBe(2);
    });

    it('answers an empty list for a filter nothing matches', async () => {
      await seed();
      expect(await current().listRequests({ action: 'nothing', limit: 10, offset: 0 })).toEqual({
        requests: [],
        total: 0,
      });
    });
  });
}
