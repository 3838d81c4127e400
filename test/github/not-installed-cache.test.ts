/**
 * A caller naming repositories where the app is not installed (`GET /api/policies?repository=`,
 * `POST /api/policies/evaluate`) costs GitHub one lookup per repository a minute, not one per
 * request, and leaves nothing behind in the policy cache; installing the app is seen at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, keyClient } from '../helpers/http.js';
import { example, type Harness, INSTALLATION_ID, startHarness } from './harness.js';

let h: Harness;
let reader: Api;
beforeAll(async () => {
  h = await startHarness();
  reader = (await keyClient(h.server.url, h.server.adminKey, 'low', ['request:read'])).api;
});
afterAll(() => h.close());

const lookups = (repository: string) =>
  h.fake.calls.filter((c) => c.method === 'GET' && c.path === `/api/v3/repos/${repository}/installation`)
    .length;

describe('"not installed" answers', () => {
  it('are cached: twenty policy reads and dry runs cost one GitHub lookup', async () => {
    for (let i = 0; i < 10; i += 1) {
      const read = await reader('GET', '/api/policies?repository=acme/nowhere');
      expect(read.status).toBe(422);
      expect(read.body).toMatchObject({ code: 'not_installed' });
      const dryRun = await reader('POST', '/api/policies/evaluate', {
        action: 'deploy',
        repository: i % 2 ? 'acme/nowhere' : 'ACME/Nowhere',
      });
      expect(dryRun.status).toBe(422);
    }
    expect(lookups('acme/nowhere') + lookups('ACME/Nowhere')).toBe(1);
    expect(h.policies.isKnown('acme/nowhere')).toBe(false);
  });

  it('are forgotten when GitHub says the app was installed there', async () => {
    expect((await reader('GET', '/api/policies?repository=acme/newcomer')).status).toBe(422);
    h.fake.addRepo('acme/newcomer', { installationId: INSTALLATION_ID });
    const added = structuredClone(example('installation_repositories', (e) => e.action === 'added'));
    added.installation = { ...added.installation, id: INSTALLATION_ID };
    added.repositories_added = [{ id: 10, name: 'newcomer', full_name: 'acme/newcomer', private: true }];
    expect((await h.deliver('installation_repositories', added)).status).toBe(200);
    expect((await reader('GET', '/api/policies?repository=acme/newcomer')).status).toBe(200);
  });

  it('a new name each time cannot make the server ask GitHub more than 60 times a minute', async () => {
    const before = h.fake.calls.filter((c) => c.path.endsWith('/installation')).length;
    const statuses = new Set<number>();
    for (let i = 0; i < 80; i += 1) {
      const res = await reader('GET', `/api/policies?repository=acme/missing-${i}`);
      statuses.add(res.status);
    }
    const after = h.fake.calls.filter((c) => c.path.endsWith('/installation')).length;
    expect(after - before).toBeLessThanOrEqual(60);
    expect(after - before).toBeGreaterThan(50);
    // Past the budget the answer is "GitHub unavailable" (built-in set, an error shown), never a 5xx.
    expect([...statuses].every((status) => status === 422 || status === 200)).toBe(true);
    expect(statuses.has(200)).toBe(true);
  });
});
