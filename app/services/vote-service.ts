import type { Vote } from '../../sdk/schemas.js';
import { progressOf, tallyVote, withdrawVote } from '../approvals/tally-votes.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { RequestStore } from '../ports/request-store.js';
import type { RequestRecord } from '../ports/store.js';
import { notFound } from './app-error.js';
import { PerKeyQueue } from './per-key-queue.js';
import type { RequestService } from './request-service.js';

/** What an attempt returns when the review changed under it: count again. */
const STALE = Symbol('stale review');

/** A vote from a channel (GitHub, Slack) whose authorizer already decided what the voter qualifies for. */
export interface Ballot {
  /** `github:<login>` or `slack:<user id>`: also the `decidedBy` if this vote decides. */
  voter: string;
  decision: 'approve' | 'deny';
  reason: string | null;
  /** `github:comment`, `github:check_run`, `github:review`, `slack`. */
  source: string;
  /** Rule names of the requirements the voter qualifies for; empty means not qualified. */
  qualifiesFor: string[];
  /** Where the vote was cast, shown next to it on GitHub (the review, comment or check run); absent: none. */
  url?: string | null;
}

export type VoteOutcome =
  /** The vote decided the request. */
  | 'approved'
  | 'denied'
  /** Counted; more approvals are needed. */
  | 'counted'
  /** The voter had already approved; nothing changed. */
  | 'duplicate'
  | 'not_qualified'
  /** The request was already decided (or expired) when the vote arrived. */
  | 'not_pending';

/** A vote taken back on the channel it came from (a dismissed pull request review). */
export interface Withdrawal {
  voter: string;
  /** Only a vote cast through this source is withdrawn (a button approval outlives a dismissed review). */
  source: string;
  /** Who took it back (`github:<login>` of whoever dismissed the review). */
  by: string;
}

export type WithdrawOutcome = 'withdrawn' | 'no_vote' | 'not_pending';

export interface VoteResult {
  outcome: VoteOutcome;
  request: RequestRecord;
}

/** Recounts after this many compare-and-set misses in a row before giving up (never reached in practice). */
const MAX_RECOUNTS = 50;

/**
 * Counts votes from every channel the same way (`tallyVote`), one vote per request at a time so
 * concurrent votes never overwrite each other: in this process by a per-request queue, and across
 * instances sharing a database by compare-and-set on the review (a vote tallied from a review another
 * instance changed meanwhile is not stored; it is counted again from the new review). Decisions go through `RequestService.applyDecision`,
 * so waiters, reactions and the audit trail see them like any other.
 */
export class VoteService {
  readonly #queue = new PerKeyQueue();

  constructor(
    private readonly deps: { store: RequestStore; clock: Clock; log: Logger; requests: RequestService },
  ) {}

  castVote(requestId: string, ballot: Ballot): Promise<VoteResult> {
    return this.#queue.run(requestId, () => this.#recounting(() => this.#cast(requestId, ballot)));
  }

  /** Runs `attempt` again while it reports that the review changed under it (another instance voted). */
  async #recounting<T>(attempt: () => Promise<T | typeof STALE>): Promise<T> {
    for (let i = 0; i < MAX_RECOUNTS; i += 1) {
      const result = await attempt();
      if (result !== STALE) return result;
    }
    throw new Error(`the review kept changing during ${MAX_RECOUNTS} recounts`);
  }

  /** After a compare-and-set miss: STALE (count again) while the request is still pending. */
  async #missed<T>(requestId: string, otherwise: () => Promise<T>): Promise<T | typeof STALE> {
    const now = await this.deps.store.getRequest(requestId);
    return now?.status === 'pending' ? STALE : otherwise();
  }

  /**
   * Takes `withdrawal.voter`'s approval off a pending request and recounts; a decided request stays
   * decided. Queued with the votes, so a withdrawal never overwrites a vote cast meanwhile.
   */
  withdrawVote(requestId: string, withdrawal: Withdrawal): Promise<WithdrawOutcome> {
    return this.#queue.run(requestId, () => this.#recounting(() => this.#withdraw(requestId, withdrawal)));
  }

  async #withdraw(requestId: string, withdrawal: Withdrawal): Promise<WithdrawOutcome | typeof STALE> {
    const { store, clock, requests, log } = this.deps;
    const request = await store.getRequest(requestId);
    if (!request) throw notFound('request', requestId);
    const at = clock.now().toISOString();
    if (request.status !== 'pending' || !request.review) return 'not_pending';
    if (await requests.expireOverdue(request, at)) return 'not_pending';
    const vote = request.review.votes.find((v) => v.voter === withdrawal.voter);
    if (vote?.decision !== 'approve' || vote.source !== withdrawal.source) return 'no_vote';
    const review = withdrawVote(request.review, withdrawal.voter);
    if (!review) return 'no_vote';
    const event = {
      requestId,
      eventType: 'vote_withdrawn',
      actor: withdrawal.by,
      details: { voter: withdrawal.voter, source: withdrawal.source, votedAt: vote.createdAt },
      createdAt: at,
    };
    const updated = await requests.updateReview(request, review, at, [event], 'voted');
    if (!updated) return this.#missed(requestId, async () => 'not_pending' as const);
    log.info({ requestId, voter: withdrawal.voter, by: withdrawal.by }, 'vote withdrawn');
    return 'withdrawn';
  }

  async #cast(requestId: string, ballot: Ballot): Promise<VoteResult | typeof STALE> {
    const { store, clock, requests, log } = this.deps;
    const request = await store.getRequest(requestId);
    if (!request) throw notFound('request', requestId);
    const at = clock.now().toISOString();
    if (request.status !== 'pending' || !request.review) return { outcome: 'not_pending', request };
    if (await requests.expireOverdue(request, at)) {
      return { outcome: 'not_pending', request: (await store.getRequest(requestId)) ?? request };
    }

    const vote: Vote = { ...ballot, url: ballot.url ?? null, createdAt: at };
    const tally = tallyVote(request.review, vote);
    const voteEvent = {
      requestId,
      eventType: 'vote',
      actor: ballot.voter,
      details: {
        decision: ballot.decision,
        reason: ballot.reason,
        source: ballot.source,
        qualifiesFor: ballot.qualifiesFor,
        url: ballot.url ?? null,
      },
      createdAt: at,
    };
    switch (tally.outcome) {
      case 'not_qualified':
        await store.appendAudit([{ ...voteEvent, eventType: 'vote_refused' }]);
        return { outcome: 'not_qualified', request };
      case 'duplicate':
        return { outcome: 'duplicate', request };
      case 'counted': {
        const updated = await requests.updateReview(request, tally.review, at, [voteEvent], 'voted');
        return updated
          ? { outcome: 'counted', request: updated }
          : this.#missed(requestId, () => this.#late(requestId, request));
      }
      case 'approved':
      case 'denied': {
        const { approvals, needed } = progressOf(tally.review.requirements);
        const reason =
          ballot.reason ??
          (tally.outcome === 'approved'
            ? `Approved with ${approvals} of ${needed} required approval${needed === 1 ? '' : 's'}.`
            : `Denied by ${ballot.voter}.`);
        const decided = await requests.applyDecision(
          request,
          {
            status: tally.outcome,
            decidedBy: ballot.voter,
            decisionReason: reason,
            at,
            review: tally.review,
            reviewBefore: request.review,
          },
          { reason, via: ballot.source },
          [voteEvent],
        );
        if (!decided) return this.#missed(requestId, () => this.#late(requestId, request));
        log.info({ requestId, status: tally.outcome, decidedBy: ballot.voter }, 'request decided by vote');
        return { outcome: tally.outcome, request: decided };
      }
    }
  }

  async #late(requestId: string, request: RequestRecord): Promise<VoteResult> {
    return { outcome: 'not_pending', request: (await this.deps.store.getRequest(requestId)) ?? request };
  }
}
