import { describe, expect, it } from 'vitest';
import type { GitHubCheckRunLink, GitHubIssueLink, Store } from '../../../app/ports/store.js';
import { aDecision, aRequestRecord, at } from '../builders.js';

const linkOf = (requestId: string, number: number, repository = 'acme/payments'): GitHubIssueLink => ({
  requestId,
  repository,
  number,
  url: `https://github.com/${repository}/issues/${number}`,
  createdAt: at(1),
});

const SHA = 'a'.repeat(40);

const checkOf = (
  requestId: string,
  checkRunId: number,
  overrides: Partial<GitHubCheckRunLink> = {},
): GitHubCheckRunLink => ({
  requestId,
  repository: 'acme/payments',
  headSha: SHA,
  pullRequest: 7,
  checkRunId,
  url: `https://github.com/acme/payments/runs/${checkRunId}`,
  createdAt: at(1),
  ...overrides,
});

export function describeGitHubContract(current: () => Store): void {
  describe('GitHub: processed deliveries and issue links', () => {
    it('claims a delivery once; a released claim can be claimed again', async () => {
      expect(await current().claimGitHubKey('delivery:abc', at(0))).toBe(true);
      expect(await current().claimGitHubKey('delivery:abc', at(1))).toBe(false);
      expect(await current().claimGitHubKey('delivery:other', at(1))).toBe(true);
      await current().releaseGitHubKey('delivery:abc');
      expect(await current().claimGitHubKey('delivery:abc', at(2))).toBe(true);
    });

    it('gives exactly one of many concurrent claims of the same key', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => current().claimGitHubKey('comment:acme/payments#7', at(0))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('links a request to one issue and finds it both ways, the repository case-insensitively', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, []);
      expect(await current().linkGitHubIssue(linkOf(request.id, 12))).toBe(true);
      // A second link (a retried job) changes nothing.
      expect(await current().linkGitHubIssue(linkOf(request.id, 13))).toBe(false);
      expect(await current().getGitHubIssue(request.id)).toEqual(linkOf(request.id, 12));
      expect(await current().findGitHubIssue('ACME/Payments', 12)).toEqual(linkOf(request.id, 12));
      expect(await current().findGitHubIssue('acme/payments', 13)).toBeNull();
      expect(await current().getGitHubIssue('req_unknown')).toBeNull();
    });

    it('lists the links of pending requests only, in pages by request id', async () => {
      const pending = [aRequestRecord(), aRequestRecord(), aRequestRecord()];
      const decided = aRequestRecord();
      for (const [i, request] of [...pending, decided].entries()) {
        await current().insertRequest(request, []);
        await current().linkGitHubIssue(linkOf(request.id, i + 1));
      }
      await current().transition(decided.id, aDecision({ at: at(5) }), []);
      const ids = pending.map((r) => r.id).sort();
      const first = await current().listPendingGitHubIssues(2);
      expect(first.map((l) => l.requestId)).toEqual(ids.slice(0, 2));
      const rest = await current().listPendingGitHubIssues(2, first[1]?.requestId);
      expect(rest.map((l) => l.requestId)).toEqual(ids.slice(2));
    });
  });

  describe('GitHub: check run links', () => {
    it('links a request to its check run; a newer run moves the link, never the commit', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, []);
      await current().linkGitHubCheckRun(checkOf(request.id, 100));
      expect(await current().getGitHubCheckRun(request.id)).toEqual(checkOf(request.id, 100));
      await current().linkGitHubCheckRun(
        checkOf(request.id, 101, { headSha: 'b'.repeat(40), pullRequest: 9 }),
      );
      expect(await current().getGitHubCheckRun(request.id)).toEqual(checkOf(request.id, 101));
      expect(await current().getGitHubCheckRun('req_unknown')).toBeNull();
    });

    it('finds the pending requests gated on a commit, repository case-insensitively, SHA in any case', async () => {
      const [first, second, decided, elsewhere] = [
        aRequestRecord(),
        aRequestRecord(),
        aRequestRecord(),
        aRequestRecord(),
      ];
      for (const request of [first, second, decided, elsewhere]) await current().insertRequest(request, []);
      await current().linkGitHubCheckRun(checkOf(first.id, 1, { createdAt: at(1) }));
      await current().linkGitHubCheckRun(checkOf(second.id, 2, { createdAt: at(2), pullRequest: null }));
      await current().linkGitHubCheckRun(checkOf(decided.id, 3));
      await current().linkGitHubCheckRun(checkOf(elsewhere.id, 4, { headSha: 'c'.repeat(40) }));
      await current().transition(decided.id, aDecision({ at: at(5) }), []);
      const found = await current().findPendingGitHubCheckRuns('ACME/Payments', SHA.toUpperCase());
      expect(found.map((l) => l.requestId)).toEqual([first.id, second.id]);
      expect(found[1]?.pullRequest).toBeNull();
      expect(await current().findPendingGitHubCheckRuns('acme/other', SHA)).toEqual([]);
    });

    it('finds every request gated on a commit, decided or not, oldest first', async () => {
      const [first, decided, elsewhere] = [aRequestRecord(), aRequestRecord(), aRequestRecord()];
      for (const request of [first, decided, elsewhere]) await current().insertRequest(request, []);
      await current().linkGitHubCheckRun(checkOf(first.id, 1, { createdAt: at(1) }));
      await current().linkGitHubCheckRun(checkOf(decided.id, 2, { createdAt: at(2) }));
      await current().linkGitHubCheckRun(checkOf(elsewhere.id, 3, { headSha: 'c'.repeat(40) }));
      await current().transition(decided.id, aDecision({ at: at(5) }), []);
      const found = await current().findGitHubCheckRuns('ACME/Payments', SHA.toUpperCase());
      expect(found.map((l) => l.requestId)).toEqual([first.id, decided.id]);
      expect(await current().findGitHubCheckRuns('acme/other', SHA)).toEqual([]);
    });

    it('lists the check runs of pending requests only, in pages by request id', async () => {
      const pending = [aRequestRecord(), aRequestRecord(), aRequestRecord()];
      const decided = aRequestRecord();
      for (const [i, request] of [...pending, decided].entries()) {
        await current().insertRequest(request, []);
        await current().linkGitHubCheckRun(checkOf(request.id, i + 1));
      }
      await current().transition(decided.id, aDecision({ at: at(5) }), []);
      const ids = pending.map((r) => r.id).sort();
      const first = await current().listPendingGitHubCheckRuns(2);
      expect(first.map((l) => l.requestId)).toEqual(ids.slice(0, 2));
      const rest = await current().listPendingGitHubCheckRuns(2, first[1]?.requestId);
      expect(rest.map((l) => l.requestId)).toEqual(ids.slice(2));
    });
  });
}
