/**
 * Reviewers' answers on GitHub (docs/github-app.md): `/approve` and `/deny` comments, and closing the issue
 * (a decision only from someone who could decide).
 * A command in an issue is about the issue's request: `/approve <id>` naming it is a plain
 * `/approve`, naming another request is answered and never counted (one action, one request).
 * Each comment is handled at most once (webhook or reconciliation, whichever sees it first); the
 * voter is authorized against GitHub and the vote counted by the shared `VoteService` (quorum,
 * one deny denies, one vote per person). A counted command gets a reaction, one that did not
 * count a reply saying why and who can decide: one per person per request (the reply gate in
 * GitHubIssueService); the same person's later ones get a 😕 reaction.
 */
import { parseCommand } from '../approvals/parse-command.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import { GitHubError, type GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubLinkStore } from '../ports/github-link-store.js';
import type { RequestStore } from '../ports/request-store.js';
import {
  renderNotPendingReply,
  renderOtherRequestReply,
  renderRefusalReply,
} from '../render/issue-comments.js';
import { type CloseRefusal, renderReopenComment, reopenMarker } from '../render/reopen-comment.js';
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
  /** The comment's `html_url`, shown next to the vote. */
  url?: string | null;
  /** The issue's labels as the webhook showed them (absent in reconciliation). */
  labels?: string[];
}

export type CommentOutcome =
  | VoteOutcome
  | 'not_a_command'
  | 'not_ours'
  | 'already_handled'
  | 'ignored_bot'
  /** `/approve <id>` naming another request than the issue's: answered, never counted. */
  | 'other_request';

/** What a close of a request's issue did. */
export type CloseOutcome =
  /** Closed by someone who qualifies: the request is denied. */
  | 'denied'
  /** Not a decision (a commit, a bot, someone who cannot decide): the issue is being reopened. */
  | 'reopened'
  | 'not_ours'
  /** Already decided (or expired): the issue stays closed. */
  | 'not_pending'
  /** Reopened before we looked: nothing to decide. */
  | 'not_closed'
  | 'already_handled';

const CLOSED_REASON = 'Closed the issue without a decision.';

export interface GitHubReviewServiceDeps {
  store: RequestStore & GitHubLinkStore;
  clock: Clock;
  log: Logger;
  requests: RequestService;
  votes: VoteService;
  authorizer: GitHubVoterAuthorizer;
  issues: GitHubIssueService;
  gateway: GitHubGateway;
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
      // An issue decides its own request: `/approve <id>` naming another one is answered, not counted.
      if (command.requestId !== null && command.requestId !== request.id.toLowerCase()) {
        log.info(
          { requestId: request.id, named: command.requestId, voter: comment.login },
          'command names another request',
        );
        if (!isBot) {
          await replyOnce(
            renderOtherRequestReply(request, comment.login, command.decision, command.requestId),
          );
        }
        return 'other_request';
      }
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
        url: comment.url ?? null,
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
   * The issue was closed. Closing denies the request only when the person who closed it could have
   * denied it with `/deny` (the same authorizer: not the requester, never a bot); a close by
   * anyone else, and any close by a commit (`closes #N` in a pushed commit or a merged pull
   * request), is not a decision: the issue is reopened, by a durable job, with a comment saying why
   * and who can decide. How it was closed comes from the issue's `closed` event, so the webhook and
   * reconciliation see the same close, and each close is handled once. A decided request's issue
   * stays closed (our own close, after a decision, lands here and changes nothing).
   */
  async handleIssueClosed(repository: string, issueNumber: number): Promise<CloseOutcome> {
    const { store, clock, requests, votes, authorizer, issues, gateway, log } = this.deps;
    const link = await store.findGitHubIssue(repository, issueNumber);
    if (!link) return 'not_ours';
    const request = await this.#request(link.requestId);
    if (request.status !== 'pending') return 'not_pending';
    if (await requests.expireOverdue(request, clock.now().toISOString())) return 'not_pending';
    const closure = await gateway.issueClosure(link.repository, link.number);
    if (!closure) {
      // Reopened since (nothing to decide), or GitHub does not list the close yet: the next
      // reconciliation looks again.
      if ((await gateway.getIssue(link.repository, link.number)).state === 'open') return 'not_closed';
      throw new GitHubError(
        0,
        `GitHub does not list the close of ${link.repository}#${link.number} yet; it is handled at the next reconciliation`,
      );
    }
    const key = `closed:${link.repository.toLowerCase()}#${link.number}:${closure.eventId}`;
    if (!(await store.claimGitHubKey(key, clock.now().toISOString()))) return 'already_handled';
    try {
      const login = closure.actor?.login ?? null;
      const reopen = async (refusal: CloseRefusal): Promise<CloseOutcome> => {
        await issues.queueReopen(request.id, {
          repository: link.repository,
          number: link.number,
          marker: reopenMarker(closure.eventId),
          body: renderReopenComment(request, { ...closure, login, refusal }),
        });
        log.info(
          { requestId: request.id, closedBy: login, commit: closure.commitId, refusal },
          'issue closed without a decision: reopening it',
        );
        return 'reopened';
      };
      if (closure.commitId) return await reopen('commit');
      if (!login) return await reopen('not_approver');
      const isBot = isBotAccount(login, closure.actor?.type);
      const qualification = await authorizer.qualify(request, login, isBot);
      if (qualification.qualifiesFor.length === 0)
        return await reopen(qualification.refusal ?? 'not_approver');
      const result = await votes.castVote(request.id, {
        voter: `github:${login}`,
        decision: 'deny',
        reason: CLOSED_REASON,
        source: 'github:issue_closed',
        qualifiesFor: qualification.qualifiesFor,
      });
      if (result.outcome === 'denied')
        log.info({ requestId: request.id, closedBy: login }, 'request denied: its issue was closed');
      return result.outcome === 'denied' ? 'denied' : 'not_pending';
    } catch (error) {
      await store.releaseGitHubKey(key).catch(() => undefined);
      throw error;
    }
  }

  async #request(id: string) {
    const request = await this.deps.store.getRequest(id);
    if (!request) throw new Error(`request ${id} is linked to an issue but does not exist`);
    return request;
  }
}
