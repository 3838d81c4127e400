/**
 * Reviewers' answers to a request gated on a commit (docs/github-app.md, "Review on a commit"): a click on the check
 * run's Approve/Deny button, a pull request review on a PR whose head is that commit (`approved`
 * approves with the review's text as the reason, `changes_requested` denies), and `/approve` or
 * `/deny` comments on that PR. Every voter is authorized again here, by the same authorizer as
 * issue comments (GitHub lets anyone with write access click a button), and counted by the shared
 * `VoteService`.
 *
 * One human action approves one request (issue #15, DESIGN §11): a review or a bare `/approve`
 * counts only for the request BOUND to that pull request (`review.boundPullRequest`: never the PR
 * an agent merely names), and only when exactly one is pending there; with several, or with only
 * unbound requests on the PR's head, nothing counts and the app replies once, listing them and how
 * to pick one. `/approve <id>` and `/deny <id>` pick one (app/approvals/pick-request.ts says which).
 *
 * Votes are for ONE commit: a review counts only while the PR's head is the request's commit and
 * only when made on that commit; a new push leaves earlier approvals with the old commit's
 * requests. The policy language has no key to carry approvals over to a new commit (not
 * configurable yet).
 */

import { boundPullRequestOf, checkTargetOf, reviewedOnCommit } from '../approvals/check-target.js';
import { parseCommand } from '../approvals/parse-command.js';
import { pickProblemOf } from '../approvals/pick-request.js';
import type { Refusal } from '../approvals/qualify-voter.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubLinkStore } from '../ports/github-link-store.js';
import type { RequestStore } from '../ports/request-store.js';
import type { GitHubCheckRunLink, RequestRecord } from '../ports/store.js';
import { renderCheckRefusalReply } from '../render/check-run-output.js';
import {
  type PendingOnPullRequest,
  renderAmbiguousReply,
  renderNotBoundReply,
  renderPickRefusal,
} from '../render/pull-request-replies.js';
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
  /** Several requests are bound to the PR: a review or bare command counts for none (a reply lists them). */
  | 'ambiguous'
  /** Requests wait on the PR's head but none is bound to the PR: nothing counted (a reply says how to pick). */
  | 'not_bound'
  /** `/approve <id>` named a request that is not decided from this PR: a reply says why. */
  | 'not_here';

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
  /** The check run's `html_url`, shown next to the vote. */
  url?: string | null;
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
  /** The review's `html_url`, shown next to the vote. */
  url?: string | null;
  /** When it was submitted, if known (reconciliation): it counts only for requests that existed then. */
  submittedAt?: string | null;
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
  /** The comment's `html_url`, shown next to the vote. */
  url?: string | null;
  /** When it was written, if known (reconciliation): a bare command counts only for requests that existed then. */
  createdAt?: string | null;
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

/** A pending request gated on a commit, with its check run. */
interface Pending {
  link: GitHubCheckRunLink;
  request: RequestRecord;
}

/** Who acted on a pull request, and where. */
interface Actor {
  repository: string;
  pullRequest: number;
  /** The review or comment id (replies are tied to it). */
  id: number;
  login: string;
  userType: string;
}

interface PullRequestVote {
  decision: 'approve' | 'deny';
  reason: string | null;
  source: string;
  /** How the reply names what was done: "approving review", "`/approve`". */
  what: string;
  /** The comment to react to when counted (a review gets no reaction). */
  reactTo: number | null;
  url: string | null;
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
    const voted = await this.#vote(link.requestId, {
      login: click.login,
      userType: click.userType,
      decision,
      reason: null,
      source: 'github:check_run',
      url: click.url || link.url || null,
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
    const key = `review:${review.repository.toLowerCase()}#${review.id}`;
    const body = review.body?.trim();
    return this.#bare(key, await this.#pendingOn(review.repository, head, review.submittedAt), review, {
      decision,
      reason: body ? body.slice(0, 4000) : null,
      source: 'github:review',
      what: decision === 'approve' ? 'approving review' : 'review requesting changes',
      reactTo: null,
      url: review.url ?? null,
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
    // A review counted only for the request bound to its pull request.
    const bound = (await this.#pendingOn(dismissed.repository, sha)).filter(
      (p) => boundPullRequestOf(p.request) === dismissed.pullRequest,
    );
    for (const { link } of bound) {
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

  /**
   * A new comment on a pull request: a bare `/approve` or `/deny` votes on the one request bound to
   * the PR and gated on its head; `/approve <id>` or `/deny <id>` on the request it names.
   */
  async handleComment(comment: PullRequestComment): Promise<CheckVoteOutcome> {
    const command = parseCommand(comment.body);
    if (!command) return 'not_a_vote';
    const head = (
      comment.headSha ??
      (await this.deps.gateway.getPullRequest(comment.repository, comment.pullRequest)).headSha
    ).toLowerCase();
    const key = `comment:${comment.repository.toLowerCase()}#${comment.id}`;
    const vote: PullRequestVote = {
      decision: command.decision,
      reason: command.reason,
      source: 'github:comment',
      what: `\`/${command.decision}\``,
      reactTo: comment.id,
      url: comment.url ?? null,
    };
    if (command.requestId) return this.#pick(key, command.requestId, head, comment, vote);
    return this.#bare(key, await this.#pendingOn(comment.repository, head, comment.createdAt), comment, vote);
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

  /**
   * Pending requests gated on commit `sha` of `repository`, oldest first; with `at`, only those
   * created by then (a review read back by reconciliation never approves a request made after it).
   */
  async #pendingOn(repository: string, sha: string, at?: string | null): Promise<Pending[]> {
    const pending: Pending[] = [];
    for (const link of await this.deps.store.findPendingGitHubCheckRuns(repository, sha)) {
      const request = await this.deps.store.getRequest(link.requestId);
      if (request?.status !== 'pending') continue;
      if (at && Date.parse(request.createdAt) > Date.parse(at)) continue;
      pending.push({ link, request });
    }
    return pending;
  }

  /**
   * A review or bare command (handled once per `key`): it counts for the request bound to the PR
   * when exactly one is pending on its head; with several, or none bound while others wait on the
   * head, nothing counts and the reply lists them with how to pick one.
   */
  async #bare(key: string, pending: Pending[], who: Actor, vote: PullRequestVote): Promise<CheckVoteOutcome> {
    const bound = pending.filter((p) => boundPullRequestOf(p.request) === who.pullRequest);
    const unbound = pending.filter((p) => boundPullRequestOf(p.request) === null);
    if (bound.length === 0 && unbound.length === 0) return 'not_ours';
    return this.#once(key, async () => {
      if (bound.length === 1) return this.#voteAndAnswer((bound[0] as Pending).request.id, who, vote);
      const listed = (bound.length > 1 ? bound : unbound).map(
        (p): PendingOnPullRequest => ({ request: p.request, checkRunUrl: p.link.url || null }),
      );
      const outcome = bound.length > 1 ? 'ambiguous' : 'not_bound';
      this.deps.log.info(
        { voter: who.login, source: vote.source, outcome, requests: listed.map((p) => p.request.id) },
        'GitHub vote on a pull request counted for no request',
      );
      if (!isBotAccount(who.login, who.userType)) {
        const render = outcome === 'ambiguous' ? renderAmbiguousReply : renderNotBoundReply;
        // Once per person per list of requests: the same list again gets a 😕, a changed one a reply.
        const subject = `pick:${listed.map((p) => p.request.id).join(',')}`;
        await this.#replyOnce(who, vote, subject, render(who.login, vote.what, who.pullRequest, listed));
      }
      return outcome;
    });
  }

  /** `/approve <id>` or `/deny <id>` on a pull request: the named request only, if it is decided here. */
  async #pick(
    key: string,
    requestId: string,
    head: string,
    who: Actor,
    vote: PullRequestVote,
  ): Promise<CheckVoteOutcome> {
    return this.#once(key, async () => {
      const request = await this.deps.store.getRequest(requestId);
      const problem = pickProblemOf(request, { ...who, headSha: head });
      if (!problem) return this.#voteAndAnswer(requestId, who, vote);
      this.deps.log.info({ voter: who.login, requestId, problem }, '/approve <id> on a pull request refused');
      if (!isBotAccount(who.login, who.userType)) {
        const known = problem === 'unknown' ? null : request;
        const link = known ? await this.deps.store.getGitHubCheckRun(requestId) : null;
        await this.#replyOnce(
          who,
          vote,
          `pick:${requestId}`,
          renderPickRefusal(who.login, vote.decision, requestId, problem, {
            request: known,
            pullRequest: who.pullRequest,
            headSha: head,
            checkRunUrl: link?.url || null,
          }),
        );
      }
      return problem === 'not_pending' ? 'not_pending' : 'not_here';
    });
  }

  /** Runs `work` once per review or comment `key`; a failure releases the key for a retry. */
  async #once(key: string, work: () => Promise<CheckVoteOutcome>): Promise<CheckVoteOutcome> {
    const { store, clock } = this.deps;
    if (!(await store.claimGitHubKey(key, clock.now().toISOString()))) return 'already_handled';
    try {
      return await work();
    } catch (error) {
      // Not handled after all: a redelivery or the next reconciliation may try again.
      await store.releaseGitHubKey(key).catch(() => undefined);
      throw error;
    }
  }

  /** Votes on one request, then answers on the PR: a reaction when counted, a reply when refused. */
  async #voteAndAnswer(requestId: string, who: Actor, vote: PullRequestVote): Promise<CheckVoteOutcome> {
    const { log, issues } = this.deps;
    const voted = await this.#vote(requestId, { ...vote, login: who.login, userType: who.userType });
    if (!voted) return 'not_ours';
    log.info(
      {
        voter: who.login,
        source: vote.source,
        decision: vote.decision,
        requestId,
        outcome: voted.outcome,
      },
      'GitHub vote on a pull request',
    );
    const refused = voted.outcome === 'not_qualified';
    if (isBotAccount(who.login, who.userType)) {
      // The run lists votes that did not count, whatever their channel; a bot gets no reply.
      if (refused) await this.deps.checks.queueRefresh(requestId);
      return voted.outcome;
    }
    if (['approved', 'denied', 'counted', 'duplicate'].includes(voted.outcome) && vote.reactTo !== null) {
      await issues.queueFeedback({
        reaction: {
          repository: who.repository,
          commentId: vote.reactTo,
          reaction: vote.decision === 'approve' ? '+1' : '-1',
        },
      });
    }
    if (refused) {
      // The reply gate: one refusal reply per person per request (a repeated command gets a 😕).
      // The run lists votes that did not count: updated for a person's first refusal, not for each
      // repetition.
      const gate = await issues.claimRefusalReplies(
        [requestId],
        who.login,
        vote.reactTo === null ? null : { repository: who.repository, commentId: vote.reactTo },
      );
      if (gate.claimed.includes(requestId)) {
        await this.deps.checks.queueRefresh(requestId);
        try {
          await this.#reply(
            who,
            renderCheckRefusalReply(who.login, vote.what, [
              { request: voted.request, refusal: voted.refusal ?? 'not_approver' },
            ]),
          );
        } catch (error) {
          await gate.release();
          throw error;
        }
      }
    }
    return voted.outcome;
  }

  /** Replies unless `who` was answered about `subject` before (the reply gate; then a 😕). */
  async #replyOnce(who: Actor, vote: PullRequestVote, subject: string, body: string): Promise<void> {
    const reactTo = vote.reactTo === null ? null : { repository: who.repository, commentId: vote.reactTo };
    const gate = await this.deps.issues.claimRefusalReplies([subject], who.login, reactTo);
    if (gate.claimed.length === 0) return;
    try {
      await this.#reply(who, body);
    } catch (error) {
      await gate.release();
      throw error;
    }
  }

  async #reply(who: Actor, body: string): Promise<void> {
    await this.deps.issues.queueFeedback({
      reply: { repository: who.repository, number: who.pullRequest, commentId: who.id, body },
    });
  }

  async #vote(
    requestId: string,
    ballot: {
      login: string;
      userType: string;
      decision: 'approve' | 'deny';
      reason: string | null;
      source: string;
      url: string | null;
    },
  ): Promise<Voted | null> {
    const { store, votes, authorizer } = this.deps;
    const request = await store.getRequest(requestId);
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
      url: ballot.url,
    });
    return { request: result.request, outcome: result.outcome, refusal: qualification.refusal };
  }
}
