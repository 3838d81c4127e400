import { describe, expect, it } from 'vitest';
import { assignApprovers, progressOf, tallyVote, withdrawVote } from '../../app/approvals/tally-votes.js';
import type { Review, ReviewRequirement, Vote } from '../../sdk/schemas.js';

const requirement = (rule: string, count = 1): ReviewRequirement => ({
  rule,
  approvers: { teams: [`acme/${rule}`] },
  count,
  via: 'issue',
  timeout: null,
  notify: null,
  allowRequester: false,
  approvedBy: [],
});
const review = (...requirements: ReviewRequirement[]): Review => ({
  via: 'issue',
  url: null,
  requirements,
  votes: [],
  boundPullRequest: null,
});
const vote = (voter: string, qualifiesFor: string[], decision: Vote['decision'] = 'approve'): Vote => ({
  voter: `github:${voter}`,
  decision,
  reason: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  source: 'github:comment',
  qualifiesFor,
  url: null,
});

/** Casts votes in order; returns each outcome and the final review. */
function cast(start: Review, votes: Vote[]) {
  let current = start;
  const outcomes = votes.map((v) => {
    const tally = tallyVote(current, v);
    current = tally.review;
    return tally.outcome;
  });
  return { outcomes, review: current };
}

describe('tallyVote', () => {
  it.each([
    ['one approval of one needed approves', [requirement('ops')], [vote('alice', ['ops'])], ['approved']],
    [
      'two needed: the first counts, the second approves',
      [requirement('finance', 2)],
      [vote('alice', ['finance']), vote('bob', ['finance'])],
      ['counted', 'approved'],
    ],
    [
      'approving twice counts once',
      [requirement('finance', 2)],
      [vote('alice', ['finance']), vote('alice', ['finance'])],
      ['counted', 'duplicate'],
    ],
    ['an unqualified vote changes nothing', [requirement('ops')], [vote('mallory', [])], ['not_qualified']],
    [
      'a qualified deny denies at once',
      [requirement('finance', 2)],
      [vote('bob', ['finance'], 'deny')],
      ['denied'],
    ],
    [
      'a deny after an approval by the same person denies',
      [requirement('finance', 2)],
      [vote('alice', ['finance']), vote('alice', ['finance'], 'deny')],
      ['counted', 'denied'],
    ],
    [
      'two rules need two people, even if one person is in both teams',
      [requirement('finance'), requirement('security')],
      [vote('alice', ['finance', 'security']), vote('alice', ['finance', 'security'])],
      ['counted', 'duplicate'],
    ],
    [
      'a later approver lets an earlier one move to the other rule',
      [requirement('finance'), requirement('security')],
      [vote('alice', ['finance', 'security']), vote('bob', ['finance'])],
      ['counted', 'approved'],
    ],
    [
      'approvers of only one rule never satisfy the other',
      [requirement('finance'), requirement('security')],
      [vote('alice', ['finance']), vote('bob', ['finance']), vote('carol', ['finance'])],
      ['counted', 'counted', 'counted'],
    ],
  ])('%s', (_name, requirements, votes, expected) => {
    expect(cast(review(...requirements), votes).outcomes).toEqual(expected);
  });

  it('records who counts toward which requirement, and the progress', () => {
    const { review: after } = cast(review(requirement('finance', 2), requirement('security')), [
      vote('alice', ['finance', 'security']),
      vote('bob', ['finance']),
    ]);
    expect(after.requirements.map((r) => [r.rule, r.approvedBy])).toEqual([
      ['finance', ['github:alice', 'github:bob']],
      ['security', []],
    ]);
    expect(progressOf(after.requirements)).toEqual({ approvals: 2, needed: 3 });
    expect(after.votes.map((v) => v.voter)).toEqual(['github:alice', 'github:bob']);
  });

  it('never lets one approver fill two slots', () => {
    const requirements = assignApprovers([requirement('a', 2), requirement('b', 2)], [vote('x', ['a', 'b'])]);
    expect(requirements.flatMap((r) => r.approvedBy)).toEqual(['github:x']);
  });
});

type Withdrawal = [string, ReviewRequirement[], Array<[string, string[]]>, string, string[][]];

describe('withdrawVote', () => {
  it.each<Withdrawal>([
    [
      'the only approval: nobody counts any more',
      [requirement('ops', 2)],
      [['alice', ['ops']]],
      'alice',
      [[]],
    ],
    [
      'an approver left out by a full slot counts once the slot is free',
      [requirement('ops')],
      [
        ['alice', ['ops']],
        ['bob', ['ops']],
      ],
      'alice',
      [['github:bob']],
    ],
    [
      'the others keep their voting order',
      [requirement('finance', 2)],
      [
        ['alice', ['finance']],
        ['bob', ['finance']],
        ['carol', ['finance']],
      ],
      'alice',
      [['github:bob', 'github:carol']],
    ],
    [
      'a rematch: someone moves back to the requirement the withdrawn voter held',
      [requirement('ops'), requirement('security')],
      [
        ['alice', ['ops', 'security']],
        ['bob', ['ops']],
      ],
      'bob',
      [['github:alice'], []],
    ],
  ])('%s', (_case, requirements, voters, withdrawn, approvedBy) => {
    const { review: voted } = cast(
      review(...requirements),
      voters.map(([login, qualifiesFor]) => vote(login, qualifiesFor)),
    );
    const after = withdrawVote(voted, `github:${withdrawn}`);
    expect(after?.requirements.map((r) => r.approvedBy)).toEqual(approvedBy);
    expect(after?.votes.map((v) => v.voter)).toEqual(
      voters.filter(([v]) => v !== withdrawn).map(([v]) => `github:${v}`),
    );
    expect(progressOf(after?.requirements ?? []).approvals).toBe(approvedBy.flat().length);
  });

  it('is null for someone who has no vote, and leaves the review as it was', () => {
    const { review: voted } = cast(review(requirement('ops', 2)), [vote('alice', ['ops'])]);
    expect(withdrawVote(voted, 'github:bob')).toBeNull();
    expect(voted.requirements[0]?.approvedBy).toEqual(['github:alice']);
  });
});
