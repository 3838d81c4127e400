/**
 * Reviewers' answers on GitHub (docs/github-app.md): `/approve` and `/deny` comments, and closing the issue.
 * Each comment is handled at most once (webhook or reconciliation, whichever sees it first); the
 * voter is authorized against GitHub and the vote counted by the shared `VoteService` (quorum,
 * one deny denies, one vote per person). A counted command gets a reaction, one that did not
 * count a reply saying why and who can decide: one per person per request (the reply gate in
 * GitHubIssueService); the same person's later ones get a 😕 reaction.
 */
import { parseCommand } from '../approvals/parse-command.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { GitHubLinkStore } from '../ports/github-link-store.js';
import type { RequestStore } from '../ports/request-store.js';
import { renderNotPendingReply, renderRefusalReply } from '../render/issue-comments.js';
import type { GitHubIssueService } from './github-issue-service.js';
import { type GitHubVoterAuthorizer, isBotAccount } from './github-voter-authorizer.js';
import type { RequestService } from './request-service.js';
import type { VoteOutcome, VoteService } from './vote-service.js';

export interface IssueComment {
  repository: string;
  issueNumber: number;
  id: number;
  body: string;
  login: string;
  /** GitHub's account type: `User`, `Bot`, `Organization`. */
  userType: string;
  /** The issue's labels as the webhook showed them (absent in reconciliation). */
  labels?: string[];
}

export type CommentOutcome = VoteOutcome | 'not_a_command' | 'not_ours' | 'already_handled' | 'ignored_bot';

export interface GitHubReviewServiceDeps {
  store: RequestStore & GitHubLinkStore;
  clock: Clock;
  log: Logger;
  requests: RequestService;
  votes: VoteService;
  authorizer: GitHubVoterAuthorizer;
  issues: GitHubIssueService;
}

export class GitHubReviewService {
  constructor(private readonly deps: GitHubReviewServiceDeps) {}

  /** A new comment on an issue (only `created`: an edited comment never counts). */
  async handleComment(comment: IssueComment): Promise<CommentOutcome> {
    const { store, clock, log, votes, authorizer, issues } = this.deps;
    const command = parseCommand(comment.body);
    if (!command) return 'not_a_command';
    const link = await store.findGitHubIssue(comment.repository, comment.issueNumber);
    if (!link) return 'not_ours';
    const key = `comment:${link.repository.toLowerCase()}#${comment.id}`;
    if (!(await store.claimGitHubKey(key, clock.now().toISOString()))) return 'already_handled';
    try {
      const request = await this.#request(link.requestId);
      if (comment.labels) issues.rememberLabels(request.id, comment.labels);
      const isBot = isBotAccount(comment.login, comment.userType);
      const where = { repository: link.repository, number: link.number, commentId: comment.id };
      /** A refusal reply, at most one per person per request (the reply gate). */
      const replyOnce = async (body: string) => {
        const gate = await issues.claimRefusalReplies([request.id], comment.login, {
          repository: link.repository,
          commentId: comment.id,
        });
        if (gate.claimed.length === 0) return;
        try {
          await issues.queueFeedback({ reply: { ...where, body } });
        } catch (error) {
          await gate.release();
          throw error;
        }
      };
      if (request.status !== 'pending') {
        if (!isBot) await replyOnce(renderNotPendingReply(request, comment.login, command.decision));
        return 'not_pending';
      }
      const qualification = await authorizer.qualify(request, comment.login, isBot);
      const result = await votes.castVote(request.id, {
        voter: `github:${comment.login}`,
        decision: command.decision,
        reason: command.reason,
        source: 'github:comment',
        qualifiesFor: qualification.qualifiesFor,
      });
      log.info(
        { requestId: request.id, voter: comment.login, decision: command.decision, outcome: result.outcome },
        'GitHub vote',
      );
      if (isBot) return 'ignored_bot'; // never answer a bot: no loops
      switch (result.outcome) {
        case 'approved':
        case 'denied':
        case 'counted':
          await issues.queueFeedback({
            reaction: { ...where, reaction: command.decision === 'approve' ? '+1' : '-1' },
          });
          break;
        case 'not_qualified':
          await replyOnce(
            renderRefusalReply(
              request,
              comment.login,
              command.decision,
              qualification.refusal ?? 'not_approver',
            ),
          );
          break;
        case 'not_pending':
          await replyOnce(renderNotPendingReply(result.request, comment.login, command.decision));
          break;
        case 'duplicate':
          break;
      }
      return result.outcome;
    } catch (error) {
      // Not handled after all: a redelivery or the next reconciliation may try again.
      await store.releaseGitHubKey(key).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The issue was closed. Closing without a decision denies the request, recorded as the person who
   * closed it. Our own close (after a decision) finds the request decided and changes nothing.
   */
  async handleIssueClosed(repository: string, issueNumber: number, closedBy: string): Promise<boolean> {
    const { store, clock, requests, log } = this.deps;
    const link = await store.findGitHubIssue(repository, issueNumber);
    if (!link) return false;
    const request = await this.#request(link.requestId);
    if (request.status !== 'pending') return false;
    const at = clock.now().toISOString();
    if (await requests.expireOverdue(request, at)) return false;
    const reason = 'Closed the issue without a decision.';
    const decided = await requests.applyDecision(
      request,
      { status: 'denied', decidedBy: `github:${closedBy}`, decisionReason: reason, at },
      { reason, via: 'github:issue_closed', issue: link.url },
    );
    if (decided) log.info({ requestId: request.id, closedBy }, 'request denied: its issue was closed');
    return decided !== null;
  }

  async #request(id: string) {
    const request = await this.deps.store.getRequest(id);
    if (!request) throw new Error(`request ${id} is linked to an issue but does not exist`);
    return request;
  }
}
