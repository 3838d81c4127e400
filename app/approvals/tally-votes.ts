/**
 * Quorum: who has approved what, and whether a request is now approved or denied. Pure.
 *
 * Rules (docs/policies.md, docs/github-app.md): a deny from any qualified approver denies at once; approvals count per
 * requirement until every requirement has `count` distinct approvers. One person's approval counts
 * toward ONE requirement only — two rules asking for an approver each (say finance and security)
 * need two people even when someone belongs to both, so no single person satisfies two controls.
 * Votes are unique per person: approving twice counts once.
 */
import type { Review, ReviewRequirement, Vote } from '../../sdk/schemas.js';

export type TallyOutcome = 'approved' | 'denied' | 'counted' | 'duplicate' | 'not_qualified';

export interface Tally {
  outcome: TallyOutcome;
  /** The review with the vote recorded and `approvedBy` recomputed (unchanged unless counted). */
  review: Review;
}

/** Adds `vote` to `review` and says what it decides. */
export function tallyVote(review: Review, vote: Vote): Tally {
  if (vote.qualifiesFor.length === 0) return { outcome: 'not_qualified', review };
  const previous = review.votes.find((v) => v.voter === vote.voter);
  if (previous?.decision === 'approve' && vote.decision === 'approve')
    return { outcome: 'duplicate', review };

  const votes = [...review.votes.filter((v) => v.voter !== vote.voter), vote];
  const requirements = assignApprovers(review.requirements, votes);
  const next: Review = { ...review, votes, requirements };
  if (vote.decision === 'deny') return { outcome: 'denied', review: next };
  return { outcome: isSatisfied(requirements) ? 'approved' : 'counted', review: next };
}

/**
 * Removes `voter`'s vote from `review` (say, their approving review was dismissed) and recomputes
 * who counts: someone who could only fill the slot the voter held may count again. Null when the
 * voter has no vote here.
 */
export function withdrawVote(review: Review, voter: string): Review | null {
  if (!review.votes.some((v) => v.voter === voter)) return null;
  const votes = review.votes.filter((v) => v.voter !== voter);
  return { ...review, votes, requirements: assignApprovers(review.requirements, votes) };
}

const isSatisfied = (requirements: readonly ReviewRequirement[]): boolean =>
  requirements.every((r) => r.approvedBy.length >= r.count);

/** "1 of 2 approvals" across every requirement. */
export function progressOf(requirements: readonly ReviewRequirement[]): {
  approvals: number;
  needed: number;
} {
  return {
    approvals: requirements.reduce((n, r) => n + Math.min(r.approvedBy.length, r.count), 0),
    needed: requirements.reduce((n, r) => n + r.count, 0),
  };
}

/**
 * Assigns approvers to requirement slots so that as many slots as possible are filled, each
 * approver filling at most one (a maximum bipartite matching by augmenting paths; the sizes are a
 * handful of people and rules). `approvedBy` lists people in voting order.
 */
export function assignApprovers(
  requirements: readonly ReviewRequirement[],
  votes: readonly Vote[],
): ReviewRequirement[] {
  const approvers = votes.filter((v) => v.decision === 'approve');
  const slots = requirements.flatMap((r, index) => Array.from({ length: r.count }, () => index));
  const slotOwner: (number | null)[] = slots.map(() => null);

  const tryAssign = (approver: number, seen: Set<number>): boolean => {
    const qualifies = new Set(approvers[approver]?.qualifiesFor);
    for (let slot = 0; slot < slots.length; slot += 1) {
      const requirement = requirements[slots[slot] as number];
      if (!requirement || !qualifies.has(requirement.rule) || seen.has(slot)) continue;
      seen.add(slot);
      const owner = slotOwner[slot];
      if (owner === null || owner === undefined || tryAssign(owner, seen)) {
        slotOwner[slot] = approver;
        return true;
      }
    }
    return false;
  };
  for (let approver = 0; approver < approvers.length; approver += 1) tryAssign(approver, new Set());

  return requirements.map((requirement, index) => ({
    ...requirement,
    approvedBy: slots
      .map((r, slot) => (r === index ? slotOwner[slot] : null))
      .filter((owner): owner is number => owner !== null && owner !== undefined)
      .sort((a, b) => a - b) // in voting order
      .map((owner) => (approvers[owner] as Vote).voter),
  }));
}
