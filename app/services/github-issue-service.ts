/**
 * The issue of a human-routed request, from creation to the final comment (docs/github-app.md). Every write
 * to GitHub runs as a job (the outbox): queued in the same transaction as the request change, so
 * a request is stored and answered even while GitHub is down, and the issue follows by a durable
 * retry. Each job is safe to run again: the issue is looked for by its marker before one is
 * created (GitHub may create it and still answer 5xx; the HTTP client never retries the creation
 * itself), and the final comment and replies by their own markers.
 * Jobs of the same request run one at a time.
 */

import { reviewedOnCommit } from '../approvals/check-target.js';
import { isRequester } from '../approvals/is-requester.js';
import { BoundedCache } from '../bounded-cache.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import { GitHubError, type GitHubGateway, type GitHubIssue, type Reaction } from '../ports/github-gateway.js';
import type { GitHubLinkStore } from '../ports/github-link-store.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { PolicyProvider } from '../ports/policy-provider.js';
import type { RequestStore } from '../ports/request-store.js';
import type { GitHubIssueLink, JobInput, RequestRecord } from '../ports/store.js';
import { renderCheckFallbackNote } from '../render/check-target.js';
import {
  BASE_LABEL,
  issueMarker,
  renderIssueBody,
  renderIssueTitle,
  statusLabel,
} from '../render/issue-body.js';
import { decisionMarker, renderDecisionComment } from '../render/issue-comments.js';
import { jobRequestId, reviewSurfaceReactor, withGitHubRetryPolicy } from './github-job-kinds.js';
import { type JobKind, PermanentJobError } from './job-runner.js';
import { PerKeyQueue } from './per-key-queue.js';
import type { RequestReactor, RequestService } from './request-service.js';
import { ruleDescriptionsOf } from './rule-descriptions.js';

export const GITHUB_JOBS = {
  createIssue: 'github.create_issue',
  updateIssue: 'github.update_issue',
  reflectDecision: 'github.reflect_decision',
  react: 'github.react',
  reply: 'github.reply',
  reopenIssue: 'github.reopen_issue',
} as const;

/** GitHub assigns at most 10 people to an issue. */
const MAX_ASSIGNEES = 10;
/** How far before the request's creation an issue may have been updated (clock skew). */
const SKEW_MS = 10 * 60 * 1000;
/**
 * How long an issue's labels, as a comment's webhook showed them, are trusted for the final write
 * instead of reading the issue again (a decision by vote follows its webhook at once); past that,
 * or after a restart, or for a decision made elsewhere (API, expiry), the issue is read.
 */
const LABELS_TRUSTED_MS = 10 * 60 * 1000;
const MAX_REMEMBERED_LABELS = 10_000;

/** Compare-and-set misses in a row (votes landing meanwhile) before a review write gives up. */
const MAX_REVIEW_RETRIES = 20;

/** The claim (GitHubLinkStore) that one refusal reply went to `login` on request `requestId`. */
export const refusalReplyKey = (requestId: string, login: string): string =>
  `reply:${requestId}:${login.toLowerCase()}`;
/** The claim that the final comment of `requestId` is being (or was) posted. */
const decisionCommentKey = (requestId: string): string => `decision-comment:${requestId}`;

export interface GitHubIssueServiceDeps {
  store: RequestStore & JobQueue & GitHubLinkStore;
  gateway: GitHubGateway;
  requests: RequestService;
  policies: PolicyProvider;
  clock: Clock;
  log: Logger;
  /** Public URL of this server for the requester's link, if configured. */
  serverUrl: string | null;
  /** GitHub's web address (`githubWebUrl`), for the links the issue shows (a workflow's run). */
  githubUrl: string;
  /** Runs queued jobs now rather than at the next poll. */
  onJobsQueued?: () => void;
}

/**
 * A request reviewed in an issue: it has a repository and a review that is not on a commit
 * (`via: check` without a usable `context.sha` falls back to an issue, which says so).
 */
const reviewedInIssue = (request: RequestRecord): boolean =>
  request.repository !== null && request.review !== null && !reviewedOnCommit(request);

export class GitHubIssueService {
  readonly #queue = new PerKeyQueue();
  /** Labels of a request's issue as last seen, by request id (saves reading the issue to close it). */
  readonly #labels: BoundedCache<string, string[]>;

  constructor(private readonly deps: GitHubIssueServiceDeps) {
    this.#labels = new BoundedCache({
      max: MAX_REMEMBERED_LABELS,
      ttlMs: LABELS_TRUSTED_MS,
      now: () => deps.clock.now().getTime(),
    });
  }

  /** The issue's labels as a webhook just showed them (a comment's `issue.labels`). */
  rememberLabels(requestId: string, labels: readonly string[]): void {
    this.#labels.set(requestId, [...labels]);
  }

  /** Jobs queued with each change of a request reviewed in an issue. */
  readonly reactor: RequestReactor = reviewSurfaceReactor(reviewedInIssue, {
    create: GITHUB_JOBS.createIssue,
    progress: GITHUB_JOBS.updateIssue,
    reflect: GITHUB_JOBS.reflectDecision,
  });

  jobKinds(retry: Pick<JobKind, 'baseDelayMs' | 'maxDelayMs' | 'maxAttempts'> = {}): Record<string, JobKind> {
    return withGitHubRetryPolicy({
      // A first attempt cannot have created anything yet; a retry looks for the marker first.
      [GITHUB_JOBS.createIssue]: {
        ...retry,
        handle: (job) => this.ensureIssue(jobRequestId(job), { retrying: job.attempts > 1 }),
      },
      [GITHUB_JOBS.updateIssue]: { ...retry, handle: (job) => this.updateIssue(jobRequestId(job)) },
      [GITHUB_JOBS.reflectDecision]: { ...retry, handle: (job) => this.reflectDecision(jobRequestId(job)) },
      [GITHUB_JOBS.react]: {
        ...retry,
        handle: async (job) => {
          const { repository, commentId, reaction } = job.payload as {
            repository: string;
            commentId: number;
            reaction: Reaction;
          };
          await this.deps.gateway.addReaction(repository, commentId, reaction);
        },
      },
      [GITHUB_JOBS.reply]: {
        ...retry,
        handle: (job) => this.#reply(job.payload as unknown as ReplyPayload, { retrying: job.attempts > 1 }),
      },
      [GITHUB_JOBS.reopenIssue]: {
        ...retry,
        handle: (job) => this.reopenIssue(jobRequestId(job), job.payload as unknown as ReopenPayload),
      },
    });
  }

  /** Queues the reopening of a request's issue whose close did not decide, with a comment saying why. */
  async queueReopen(requestId: string, reopen: ReopenPayload): Promise<void> {
    await this.deps.store.enqueueJobs(
      [{ kind: GITHUB_JOBS.reopenIssue, payload: { requestId, ...reopen } }],
      this.deps.clock.now().toISOString(),
    );
    this.deps.onJobsQueued?.();
  }

  /**
   * Reopens the issue and comments once (by the close's marker). A request decided meanwhile keeps
   * its issue closed: the decision's own job shows it.
   */
  reopenIssue(requestId: string, reopen: ReopenPayload): Promise<void> {
    return this.#serial(requestId, async () => {
      const request = await this.#request(requestId);
      if (request.status !== 'pending') return;
      const { gateway } = this.deps;
      await gateway.reopenIssue(reopen.repository, reopen.number);
      const comments = await gateway.listComments(reopen.repository, reopen.number);
      if (!comments.some((c) => c.body.includes(reopen.marker))) {
        await gateway.createComment(reopen.repository, reopen.number, reopen.body);
      }
      this.deps.log.info(
        { requestId, repository: reopen.repository, issue: reopen.number },
        'issue reopened: its close did not decide',
      );
    });
  }

  /** Queues a reaction to a counted command and, for one that was not counted, a reply. */
  async queueFeedback(feedback: { reaction?: ReactPayload; reply?: ReplyPayload }): Promise<void> {
    const jobs: JobInput[] = [];
    if (feedback.reaction) jobs.push({ kind: GITHUB_JOBS.react, payload: { ...feedback.reaction } });
    if (feedback.reply) jobs.push({ kind: GITHUB_JOBS.reply, payload: { ...feedback.reply } });
    if (jobs.length === 0) return;
    await this.deps.store.enqueueJobs(jobs, this.deps.clock.now().toISOString());
    this.deps.onJobsQueued?.();
  }

  /**
   * The reply gate (docs/github-app.md, "Replies"): at most one refusal reply per person per
   * request, remembered in the store (like delivery ids), so ten stray `/approve`s from one person
   * get one reply, across restarts and instances. Claims `login`'s reply on each of `requestIds`
   * and returns those claimed now: the caller replies about these only. With none (every one was
   * answered before), the command at `reactTo` gets a 😕 reaction instead, which notifies nobody.
   * `release` gives the claims back when the reply could not be queued. A reply about something
   * other than one request's refusal (the list of requests a bare command on a pull request could
   * mean) claims a subject of its own, e.g. `pick:<ids>`, so it never uses up a request's refusal.
   */
  async claimRefusalReplies(
    requestIds: readonly string[],
    login: string,
    reactTo: { repository: string; commentId: number } | null,
  ): Promise<{ claimed: string[]; release(): Promise<void> }> {
    const { store, clock } = this.deps;
    const at = clock.now().toISOString();
    const claimed: string[] = [];
    for (const id of requestIds)
      if (await store.claimGitHubKey(refusalReplyKey(id, login), at)) claimed.push(id);
    if (claimed.length === 0 && reactTo)
      await this.queueFeedback({ reaction: { ...reactTo, reaction: 'confused' } });
    return {
      claimed,
      release: async () => {
        for (const id of claimed)
          await store.releaseGitHubKey(refusalReplyKey(id, login)).catch(() => undefined);
      },
    };
  }

  /** Opens the request's issue unless it exists, and records its URL on the request. */
  ensureIssue(requestId: string, { retrying = true }: { retrying?: boolean } = {}): Promise<void> {
    return this.#serial(requestId, async () => {
      const request = await this.#request(requestId);
      if (!reviewedInIssue(request)) return;
      let link = retrying ? await this.#link(request) : await this.deps.store.getGitHubIssue(requestId);
      if (!link) {
        // Decided before any issue was needed (GitHub was down all along): nothing to show.
        if (request.status !== 'pending') return;
        const issue = await this.#create(request);
        link = await this.#saveLink(request, issue);
        this.deps.log.info({ requestId, issue: issue.htmlUrl }, 'issue opened');
      }
      // The URL is stored only over the review it was added to: when a vote lands meanwhile (on any
      // instance), read again and add it to the new review.
      for (let attempt = 0; ; attempt += 1) {
        const current = await this.#request(requestId);
        if (current.status !== 'pending') break;
        if (!current.review || current.review.url === link.url || attempt === MAX_REVIEW_RETRIES) return;
        const at = this.deps.clock.now().toISOString();
        const updated = await this.deps.requests.updateReview(
          current,
          // A `via: check` request without a usable commit: the review says where it really is.
          { ...current.review, url: link.url, via: 'issue' },
          at,
          [this.#reflected(current, link, at, { what: 'issue_opened' })],
          null,
        );
        if (updated) return;
      }
      // Decided while the issue was being opened: show the decision now.
      await this.#reflect(await this.#request(requestId), link);
    });
  }

  /** Shows the progress of votes in the issue body. */
  updateIssue(requestId: string): Promise<void> {
    return this.#serial(requestId, async () => {
      const request = await this.#request(requestId);
      if (request.status !== 'pending') return; // the decision job shows the rest
      const link = await this.deps.store.getGitHubIssue(requestId);
      if (!link) return; // the issue, when it opens, shows the progress as it is then
      await this.deps.gateway.updateIssueBody(link.repository, link.number, await this.#body(request));
    });
  }

  /** Final comment, final label (pending removed), issue closed: for any way the request ended. */
  reflectDecision(requestId: string): Promise<void> {
    return this.#serial(requestId, async () => {
      const request = await this.#request(requestId);
      if (request.status === 'pending' || !reviewedInIssue(request)) return;
      const link = await this.#link(request);
      if (!link) return; // no issue was ever opened
      await this.#reflect(request, link);
    });
  }

  async #reflect(request: RequestRecord, link: GitHubIssueLink): Promise<void> {
    const { gateway, store, clock } = this.deps;
    const { repository, number } = link;
    // The claim says whether an earlier try may have posted the comment: only then is it looked for.
    if (!(await store.claimGitHubKey(decisionCommentKey(request.id), clock.now().toISOString()))) {
      const marker = decisionMarker(request.id);
      const comments = await gateway.listComments(repository, number);
      if (!comments.some((c) => c.body.includes(marker))) {
        await gateway.createComment(repository, number, renderDecisionComment(request));
      }
    } else {
      await gateway.createComment(repository, number, renderDecisionComment(request));
    }
    // One write for body, labels and state: GitHub paces writes (about one a second per app). The
    // labels seen moments ago (the deciding comment's webhook) spare reading the issue again.
    const seen = this.#labels.get(request.id) ?? (await gateway.getIssue(repository, number)).labels;
    const labels = [
      ...seen.filter((l) => l !== BASE_LABEL && !l.startsWith(`${BASE_LABEL}:`)),
      BASE_LABEL,
      statusLabel(request.status),
    ];
    await gateway.finishIssue(repository, number, {
      body: await this.#body(request),
      labels,
      reason: request.status === 'approved' ? 'completed' : 'not_planned',
    });
    const at = this.deps.clock.now().toISOString();
    await store.appendAudit([
      this.#reflected(request, link, at, { what: 'decision', status: request.status }),
    ]);
    this.deps.log.info(
      { requestId: request.id, status: request.status, issue: link.url },
      'decision shown on GitHub',
    );
  }

  /**
   * Whether to reply was decided when the job was queued (the reply gate); the comments are read
   * only on a retry, when an earlier try may have posted the reply and still failed.
   */
  async #reply(payload: ReplyPayload, { retrying }: { retrying: boolean }): Promise<void> {
    const marker = `<!-- agentgate:reply:${payload.commentId} -->`;
    if (retrying) {
      const comments = await this.deps.gateway.listComments(payload.repository, payload.number);
      if (comments.some((c) => c.body.includes(marker))) return;
    }
    await this.deps.gateway.createComment(payload.repository, payload.number, `${marker}\n${payload.body}`);
  }

  /**
   * Opens the issue with the listed approvers as assignees, trusting them first: one call when
   * they can all be assigned. GitHub refuses (422) an assignee it cannot assign, creating
   * nothing; then each is checked and the issue opened with those who can be.
   */
  async #create(request: RequestRecord): Promise<GitHubIssue> {
    const repository = request.repository as string;
    const issue = {
      title: renderIssueTitle(request),
      body: await this.#body(request),
      labels: [BASE_LABEL, statusLabel('pending')],
    };
    const candidates = this.#candidates(request).slice(0, MAX_ASSIGNEES);
    if (candidates.length > 0) {
      try {
        return await this.deps.gateway.createIssue(repository, { ...issue, assignees: candidates });
      } catch (error) {
        if (!(error instanceof GitHubError && error.status === 422)) throw error;
      }
    }
    return this.deps.gateway.createIssue(repository, { ...issue, assignees: await this.#assignees(request) });
  }

  /** The stored link, or the issue found by its marker (a creation GitHub answered with 5xx). */
  async #link(request: RequestRecord): Promise<GitHubIssueLink | null> {
    const stored = await this.deps.store.getGitHubIssue(request.id);
    if (stored) return stored;
    const since = new Date(Date.parse(request.createdAt) - SKEW_MS).toISOString();
    const marker = issueMarker(request.id);
    const issues = await this.deps.gateway.listIssuesWithLabel(
      request.repository as string,
      BASE_LABEL,
      since,
    );
    const found = issues.find((issue) => issue.body?.includes(marker));
    if (!found) return null;
    this.deps.log.info(
      { requestId: request.id, issue: found.htmlUrl },
      'found the issue of an earlier attempt',
    );
    return this.#saveLink(request, found);
  }

  async #saveLink(request: RequestRecord, issue: GitHubIssue): Promise<GitHubIssueLink> {
    await this.deps.store.linkGitHubIssue({
      requestId: request.id,
      repository: request.repository as string,
      number: issue.number,
      url: issue.htmlUrl,
      createdAt: this.deps.clock.now().toISOString(),
    });
    const link = await this.deps.store.getGitHubIssue(request.id);
    if (!link) throw new Error(`the issue link of ${request.id} was not stored`);
    return link;
  }

  /** Listed approvers, the requester skipped. */
  #candidates(request: RequestRecord): string[] {
    const seen = new Set<string>();
    const candidates: string[] = [];
    for (const r of request.review?.requirements ?? []) {
      for (const user of r.approvers.users ?? []) {
        const login = user.replace(/^@/, '');
        if (seen.has(login.toLowerCase()) || (isRequester(request, login) && !r.allowRequester)) continue;
        seen.add(login.toLowerCase());
        candidates.push(login);
      }
    }
    return candidates;
  }

  /** Listed approvers GitHub can assign (at most 10); the requester and unassignable users skipped. */
  async #assignees(request: RequestRecord): Promise<string[]> {
    const assignable: string[] = [];
    for (const login of this.#candidates(request)) {
      if (assignable.length >= MAX_ASSIGNEES) break;
      try {
        if (await this.deps.gateway.isAssignable(request.repository as string, login)) assignable.push(login);
      } catch (error) {
        // An assignee is a courtesy: never fail (or delay) the issue for one.
        this.deps.log.warn(
          { requestId: request.id, login, err: error },
          'could not check an assignee; skipped',
        );
      }
    }
    return assignable;
  }

  async #body(request: RequestRecord): Promise<string> {
    const ruleDescriptions = Object.fromEntries(await ruleDescriptionsOf(this.deps.policies, request));
    return renderIssueBody({
      request,
      ruleDescriptions,
      serverUrl: this.deps.serverUrl,
      githubUrl: this.deps.githubUrl,
      notice: renderCheckFallbackNote(request),
    });
  }

  #reflected(request: RequestRecord, link: GitHubIssueLink, at: string, details: Record<string, unknown>) {
    return {
      requestId: request.id,
      eventType: 'reflected',
      actor: 'system:github',
      details: { channel: 'github', issue: link.url, ...details },
      createdAt: at,
    };
  }

  async #request(id: string): Promise<RequestRecord> {
    const request = await this.deps.store.getRequest(id);
    if (!request) throw new PermanentJobError(`request ${id} does not exist`);
    return request;
  }

  #serial(requestId: string, work: () => Promise<void>): Promise<void> {
    return this.#queue.run(requestId, work);
  }
}

export interface ReactPayload {
  repository: string;
  commentId: number;
  reaction: Reaction;
}

export interface ReopenPayload {
  repository: string;
  number: number;
  /** The comment's hidden marker (one per close), so a retry never posts it twice. */
  marker: string;
  body: string;
}

export interface ReplyPayload {
  repository: string;
  number: number;
  commentId: number;
  body: string;
}
