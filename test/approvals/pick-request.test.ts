import { describe, expect, it } from 'vitest';
import { boundPullRequestOf } from '../../app/approvals/check-target.js';
import { pickProblemOf } from '../../app/approvals/pick-request.js';
import type { RequestRecord } from '../../app/ports/store.js';
import { aRequestRecord, aReview } from '../store/builders.js';

const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);
const HERE = { repository: 'acme/payments', pullRequest: 7, headSha: HEAD };

/** A pending request of acme/payments reviewed on commit `sha`, bound to `bound`. */
function onCommit(bound: number | null, sha = HEAD, overrides: Partial<RequestRecord> = {}): RequestRecord {
  const review = aReview({ boundPullRequest: bound });
  return aRequestRecord({
    repository: 'acme/payments',
    context: { sha, pullRequest: 7 },
    review: {
      ...review,
      via: 'check',
      requirements: review.requirements.map((r) => ({ ...r, via: 'check' as const })),
    },
    ...overrides,
  });
}

describe('pickProblemOf: may `/approve <id>` on PR #7 (head HEAD) decide this request?', () => {
  it.each<[string, RequestRecord | null, ReturnType<typeof pickProblemOf>]>([
    ['bound to this PR, on its head', onCommit(7), null],
    ['bound to no PR, on its head (its check run is on this PR)', onCommit(null), null],
    ['no such request', null, 'unknown'],
    ["another repository's", onCommit(7, HEAD, { repository: 'acme/other' }), 'unknown'],
    ['the repository spelled in another case', onCommit(7, HEAD, { repository: 'ACME/Payments' }), null],
    ['already decided', onCommit(7, HEAD, { status: 'approved' }), 'not_pending'],
    ['reviewed in an issue', aRequestRecord({ repository: 'acme/payments' }), 'not_on_commit'],
    ['bound to another PR', onCommit(8), 'other_pull_request'],
    ['bound to this PR, on an older commit', onCommit(7, OLD), 'other_commit'],
    ['bound to no PR, on another commit', onCommit(null, OLD), 'other_commit'],
    ['the head in upper case', onCommit(7, HEAD.toUpperCase()), null],
  ])('%s', (_case, request, expected) => {
    expect(pickProblemOf(request, HERE)).toBe(expected);
  });
});

describe('boundPullRequestOf', () => {
  it('is the recorded binding, never the PR the context names', () => {
    expect(boundPullRequestOf(onCommit(7))).toBe(7);
    expect(boundPullRequestOf(onCommit(null))).toBeNull();
  });

  it('is null for a request stored before requests recorded it, and without a review', () => {
    const stored = onCommit(7);
    const { boundPullRequest: _dropped, ...old } = stored.review as NonNullable<RequestRecord['review']>;
    expect(boundPullRequestOf({ review: old as NonNullable<RequestRecord['review']> })).toBeNull();
    expect(boundPullRequestOf({ review: null })).toBeNull();
  });
});
