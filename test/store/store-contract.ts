/**
 * The Store contract: every Store implementation (SQLite, PostgreSQL, an in-memory fake) runs this
 * suite against a fresh, empty store per test.
 *
 * @example
 * describeStoreContract('sqlite :memory:', () => openSqliteStore({ path: ':memory:' }));
 * describeStoreContract('memory', async () => createMemoryStore());
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Store, StoreError } from '../../app/ports/store.js';
import { aRequestRecord } from './builders.js';
import { describeStoreAdditionsContract } from './contract/additions-contract.js';
import { describeApiKeyUpdateContract } from './contract/api-key-update-contract.js';
import { describeApiKeyContract } from './contract/api-keys-contract.js';
import { describeAuditContract } from './contract/audit-contract.js';
import { describeAuditHeadContract } from './contract/audit-head-contract.js';
import { describeGitHubContract } from './contract/github-contract.js';
import { describeGroupCommitContract } from './contract/group-commit-contract.js';
import { describeJobFencingContract } from './contract/job-fencing-contract.js';
import { describeJobsContract } from './contract/jobs-contract.js';
import { describeListContract } from './contract/list-contract.js';
import { describeRequestContract } from './contract/request-contract.js';
import { describeReviewVersionContract } from './contract/review-version-contract.js';
import { describeSlackContract } from './contract/slack-contract.js';
import { describeTransitionContract } from './contract/transition-contract.js';
import { describeWebhookUpdateContract } from './contract/webhook-update-contract.js';
import { describeWebhooksContract } from './contract/webhooks-contract.js';

export function describeStoreContract(name: string, openStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store | undefined;
    const current = (): Store => {
      if (!store) throw new Error('no store open');
      return store;
    };

    beforeEach(async () => {
      store = await openStore();
    });
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('answers ping and names its kind', async () => {
      await expect(current().ping()).resolves.toBeUndefined();
      expect(['sqlite', 'postgres', 'memory']).toContain(current().kind);
    });

    describeRequestContract(current);
    describeTransitionContract(current);
    describeListContract(current);
    describeJobsContract(current);
    describeAuditContract(current);
    describeApiKeyContract(current);
    describeGitHubContract(current);
    describeWebhooksContract(current);
    describeSlackContract(current);
    describeAuditHeadContract(current);
    describeApiKeyUpdateContract(current);
    describeWebhookUpdateContract(current);
    describeStoreAdditionsContract(current);
    describeReviewVersionContract(current);
    describeJobFencingContract(current);
    describeGroupCommitContract(current);

    describe('close', () => {
      it('refuses every call after close with a "closed" StoreError, and closing twice is harmless', async () => {
        const s = current();
        const request = aRequestRecord();
        await s.insertRequest(request, []);
        await s.close();
        await expect(s.close()).resolves.toBeUndefined();
        for (const call of [
          () => s.ping(),
          () => s.getRequest(request.id),
          () => s.insertRequest(aRequestRecord(), []),
          () => s.listAudit({ limit: 10, offset: 0 }),
          () => s.listApiKeys(),
        ]) {
          const error = await call().then(
            () => null,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(StoreError);
          expect((error as StoreError).code).toBe('closed');
        }
      });
    });
  });
}
