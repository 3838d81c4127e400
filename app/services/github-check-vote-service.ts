/**
 * Reviewers' answers to a request gated on a commit (docs/github-app.md, "Review on a commit"): a click on the check
 * run's Approve/Deny button, a pull request review on a PR whose head is that commit (`approved`
 * approves with the review's text as the reason, `changes_requested` denies), and `/approve` or
 * `/deny` comments on that PR. Every voter is authorized again here, by the same authorizer as
 * issue comments (GitHub lets anyone with write access click a button), and counted by the shared
 * `VoteService`.
 *
 * Votes are for ONE commit: a review counts only while the PR's head is the request's commit and
 * only when made on that commit; a new push leaves earlier approvals with the old commit's
 * requests. The policy language has no key to carry approvals over to a new commit (not
 * configurable yet).
 */

import { checkTargetOf, reviewedOnCommit } from '../approvals/check-target.js';
import { parseCommand } from '../approvals/parse-command.js';
import type { Refusal } from '../approvals/qualify-voter.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubLinkStore } from '../ports/github-link-store.js';
import type { RequestStore } from '../ports/request-store.js';
import type { GitHubCheckRunLink, RequestRecord } from '../ports/store.js';
import { renderCheckRefusalReply } from '../render/check-run-output.js';
import type { GitHubCheckService } from './github-check-service.js';
import type { GitHubIssueService } from './github-issue-service.js';
import { type GitHubVoterAuthorizer, isBotAccount } from './github-voter-authorizer.js';
import type { VoteOutcome, VoteService } from './vote-service.js';

export type CheckVoteOutcome =
  | VoteOutcome
  | 'not_ours'
  | 'not_a_vote'
  | 'already_handled'
  | 'stale_commit'
  /** Several requests were voted on at once (a review or comment on a PR gating more than one). */
  | 'voted';

export interface ButtonClick {
  repository: string;
  checkRunId: number;
  /** The run's `external_id`: the request id. */
  externalId: string | null;
  /** The run's commit. */
  headSha: string;
  /** The button's identifier: `approve` or `deny`. */
  identifier: string;
  login: string;
  userType: string;
}

export interface PullRequestReview {
  repository: string;
  pullRequest: number;
  /** The PR's head commit when the review was submitted. */
  headSha: string;
  id: number;
  /** Lowercase: `approved`, `changes_requested`, `commented`. */
  state: string;
  body: string | null;
  /** The commit the review was made on. */
  commitId: string | null;
  login: string;
  userType: string;
}

export interface DismissedReview {
  repository: string;
  pullRequest: number;
  /** The PR's head commit now. */
  headSha: string;
  /** The commit the review was made on: its vote, if any, is on this commit's requests. */
  commitId: string | null;
  /** Who wrote the review. */
  login: string;
  /** Who dismissed it. */
  dismissedBy: string;
}

export interface PullRequestComment {
  repository: string;
  pullRequest: number;
  id: number;
  body: string;
  login: string;
  userType: string;
  /** The PR's head commit, when the caller knows it (else it is read from GitHub). */
  headSha?: string;
}

export interface GitHubCheckVoteServiceDeps {
  store: RequestStore & GitHubLinkStore;
  clock: Clock;
  log: Logger;
  gateway: GitHubGateway;
  votes: VoteService;
  authorizer: GitHubVoterAuthorizer;
  checks: GitHubCheckService;
  /** Queues reactions and replies (the issue flow's feedback jobs; PR comments are issue comments). */
  issues: GitHubIssueService;
}

interface Voted {
  request: RequestRecord;
  outcome: VoteOutcome;
  refusal: Refusal | null;
}

export class GitHubCheckVoteService {
  constructor(private readonly deps: GitHubCheckVoteServiceDeps) {}

  /** A click on Approve or Deny of a request's check run. */
  async handleButton(click: ButtonClick): Promise<CheckVoteOutcome> {
    const { store, log, checks } = this.deps;
    const decision = click.identifier === 'approve' ? 'approve' : click.identifier === 'deny' ? 'deny' : null;
    if (!decision || !click.externalId) return 'not_ours';
    const link = (await store.getGitHubCheckRun(click.externalId)) ?? (await this.#unlinked(click));
    if (
      !link ||
      link.repository.toLowerCase() !== click.repository.toLowerCase() ||
      link.headSha !== click.headSha.toLowerCase()
    )
      return 'not_ours';
    const voted = await this.#vote(link, {
      login: click.login,
      userType: click.userType,
      decision,
      reason: null,
      source: 'github:check_run',
    });
    if (!voted) return 'not_ours';
    log.info(
      { requestId: link.requestId, voter: click.login, decision, outcome: voted.outcome },
      'check run button',
    );
    // GitHub shows the clicker nothing; a refused click is shown on the run itself.
    if (voted.outcome === 'not_qualified') await checks.queueRefresh(link.requestId);
    return voted.outcome;
  }

  /** A submitted pull request review: approved approves, changes requested denies. */
  async handleReview(review: PullRequestReview): Promise<CheckVoteOutcome> {
    const decision =
      review.state === 'approved' ? 'approve' : review.state === 'changes_requested' ? 'deny' : null;
    if (!decision) return 'not_a_vote';
    const head = review.headSha.toLowerCase();
    // Made on an older commit (GitHub keeps the commit a review was written against).
    if (review.commitId && review.commitId.toLowerCase() !== head) return 'stale_commit';
    const links = await this.#linksOn(review.repository, head, review.pullRequest);
    if (links.length === 0) return 'not_ours';
    const key = `review:${review.repository.toLowerCase()}#${review.id}`;
    const body = review.body?.trim();
    return this.#onPullRequest(key, links, review, {
      decision,
      reason: body ? body.slice(0, 4000) : null,
      source: 'github:review',
      what: decision === 'approve' ? 'approving review' : 'review requesting changes',
      reactTo: null,
    });
  }

  /**
   * A dismissed pull request review takes its author's approval back from the pending requests on
   * the commit it was made on (only an approval cast by review: a click or comment stays). Returns
   * how many requests lost an approval; decided requests stay decided.
   */
  async handleReviewDismissed(dismissed: DismissedReview): Promise<number> {
    const { votes, log } = this.deps;
    const sha = (dismissed.commitId ?? dismissed.headSha).toLowerCase();
    let withdrawn = 0;
    for (const link of await this.#linksOn(dismissed.repository, sha, dismissed.pullRequest)) {
      const outcome = await votes.withdrawVote(link.requestId, {
        voter: `github:${dismissed.login}`,
        source: 'github:review',
        by: `github:${dismissed.dismissedBy}`,
      });
      if (outcome === 'withdrawn') withdrawn += 1;
    }
    if (withdrawn > 0)
      log.info(
        { reviewer: dismissed.login, by: dismissed.dismissedBy, withdrawn },
        'dismissed review withdrawn',
      );
    return withdrawn;
  }

  /** A new comment on a pull request: `/approve` or `/deny` votes on the requests gated on its head. */
  async handleComment(comment: PullRequestComment): Promise<CheckVoteOutcome> {
    const command = parseCommand(comment.body);
    if (!command) return 'not_a_vote';
    const head =
      comment.headSha ??
      (await this.deps.gateway.getPullRequest(comment.repository, comment.pullRequest)).headSha;
    const links = await this.#linksOn(comment.repository, head.toLowerCase(), comment.pullRequest);
    if (links.length === 0) return 'not_ours';
    const key = `comment:${comment.repository.toLowerCase()}#${comment.id}`;
    return this.#onPullRequest(key, links, comment, {
      decision: command.decision,
      reason: command.reason,
      source: 'github:comment',
      what: `\`/${command.decision}\``,
      reactTo: comment.id,
    });
  }

  /**
   * A click on a run created a moment ago, before its link was stored: the run is this app's (GitHub
   * sends `requested_action` only to the app that created the run), and its `external_id` names a
   * request of this repository gated on the run's commit.
   */
  async #unlinked(click: ButtonClick): Promise<GitHubCheckRunLink | null> {
    const request = click.externalId ? await this.deps.store.getRequest(click.externalId) : null;
    if (!request || !reviewedOnCommit(request)) return null;
    const target = checkTargetOf(request);
    if (!target.ok || target.sha !== click.headSha.toLowerCase()) return null;
    return {
      requestId: request.id,
      repository: request.repository as string,
      headSha: target.sha,
      pullRequest: target.pullRequest,
      checkRunId: click.checkRunId,
      url: '',
      createdAt: request.createdAt,
    };
  }

  /** Pending requests gated on `sha`, for PR `number` (a request naming another PR is not this one's). */
  async #linksOn(repository: string, sha: string, number: number): Promise<GitHubCheckRunLink[]> {
    const links = await this.deps.store.findPendingGitHubCheckRuns(repository, sha);
    return links.filter((l) => l.pullRequest === null || l.pullRequest === number);
  }

  /** Votes once per review or comment (`key`) on every linked request, then answers on the PR. */
  async #onPullRequest(
    key: string,
    links: GitHubCheckRunLink[],
    who: { repository: string; pullRequest: number; id: number; login: string; userType: string },
    vote: {
      decision: 'approve' | 'deny';
      reason: string | null;
      source: string;
      what: string;
      reactTo: number | null;
    },
  ): Promise<CheckVoteOutcome> {
    const { store, clock, log, issues } = this.deps;
    if (!(await store.claimGitHubKey(key, clock.now().toISOString()))) return 'already_handled';
    try {
      const results: Voted[] = [];
      for (const link of links) {
        const voted = await this.#vote(link, { ...vote, login: who.login, userType: who.userType });
        if (voted) results.push(voted);
      }
      log.info(
        {
          voter: who.login,
          source: vote.source,
          decision: vote.decision,
          outcomes: results.map((r) => ({ requestId: r.request.id, outcome: r.outcome })),
        },
        'GitHub vote on a pull request',
      );
      const refused = results.filter((r) => r.outcome === 'not_qualified');
      if (isBotAccount(who.login, who.userType)) {
        // The run lists votes that did not count, whatever their channel; a bot gets no reply.
        for (const r of refused) await this.deps.checks.queueRefresh(r.request.id);
        return 'not_qualified';
      }
      const counted = results.some((r) => ['approved', 'denied', 'counted', 'duplicate'].includes(r.outcome));
      const where = { repository: who.repository, number: who.pullRequest };
      // The reply gate: one refusal reply per person per request; it names only the requests not
      // answered for this person before (a comment answered on none of them gets a 😕 instead).
      const gate =
        refused.length > 0
          ? await issues.claimRefusalReplies(
              refused.map((r) => r.request.id),
              who.login,
              counted || vote.reactTo === null
                ? null
                : { repository: who.repository, commentId: vote.reactTo },
            )
          : null;
      const answer = refused.filter((r) => gate?.claimed.includes(r.request.id));
      // The run lists votes that did not count: updated for a person's first refusal on it, not
      // for each repetition (those get the 😕 and cost no write to the run).
      for (const r of answer) await this.deps.checks.queueRefresh(r.request.id);
      try {
        await issues.queueFeedback({
          ...(counted &&
            vote.reactTo !== null && {
              reaction: {
                repository: who.repository,
                commentId: vote.reactTo,
                reaction: vote.decision === 'approve' ? '+1' : '-1',
              },
            }),
          ...(answer.length > 0 && {
            reply: {
              ...where,
              commentId: who.id,
              body: renderCheckRefusalReply(
                who.login,
                vote.what,
                answer.map((r) => ({ request: r.request, refusal: r.refusal ?? 'not_approver' })),
              ),
            },
          }),
        });
      } catch (error) {
        await gate?.release();
        throw error;
      }
      if (results.length === 1) return (results[0] as Voted).outcome;
      return results.length === 0 ? 'not_ours' : 'voted';
    } catch (error) {
      // Not handled after all: a redelivery or the next reconciliation may try again.
      await store.releaseGitHubKey(key).catch(() => undefined);
      throw error;
    }
  }

  async #vote(
    link: GitHubCheckRunLink,
    ballot: {
      login: string;
      userType: string;
      decision: 'approve' | 'deny';
      reason: string | null;
      source: string;
    },
  ): Promise<Voted | null> {
    const { store, votes, authorizer } = this.deps;
    const request = await store.getRequest(link.requestId);
    if (!request) return null;
    if (request.status !== 'pending') return { request, outcome: 'not_pending', refusal: null };
    const isBot = isBotAccount(ballot.login, ballot.userType);
    const qualification = await authorizer.qualify(request, ballot.login, isBot);
    const result = await votes.castVote(request.id, {
      voter: `github:${ballot.login}`,
      decision: ballot.decision,
      reason: ballot.reason,
      source: ballot.source,
      qualifiesFor: qualification.qualifiesFor,
    });
    return { request: result.request, outcome: result.outcome, refusal: qualification.refusal };
  }
}
