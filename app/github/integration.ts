/**
 * The GitHub App as an integration of the server (docs/github-app.md): Probot receives signed webhooks at
 * `/api/github/webhooks` (mounted before the API's JSON parser, so it verifies the raw body), one
 * thin handler per event; issue work runs as jobs; a periodic pass reconciles missed webhooks.
 */
import type { Express } from 'express';
import { createNodeMiddleware, type Probot } from 'probot';
import { BODY_LIMITS } from '../http/read-body.js';
import type { IntegrationFactory } from '../integration.js';
import type { Logger } from '../logger.js';
import { GitHubError, type GitHubGateway } from '../ports/github-gateway.js';
import { AppError } from '../services/app-error.js';
import { GitHubCheckService } from '../services/github-check-service.js';
import { GitHubCheckVoteService } from '../services/github-check-vote-service.js';
import { GitHubDeploymentService } from '../services/github-deployment-service.js';
import { GitHubIssueService } from '../services/github-issue-service.js';
import { GitHubMergeQueueService } from '../services/github-merge-queue.js';
import { GitHubPolicyCheckService } from '../services/github-policy-check.js';
import { type GitHubPolicyProvider, notInstalled } from '../services/github-policy-provider.js';
import { GitHubReconciler } from '../services/github-reconciler.js';
import { GitHubRerunService } from '../services/github-rerun-service.js';
import { GitHubReviewService } from '../services/github-review-service.js';
import { GitHubVoterAuthorizer } from '../services/github-voter-authorizer.js';
import { checkRunRequestedAction } from './check-run-requested-action.js';
import { checkRunRerequested } from './check-run-rerequested.js';
import { checkSuiteRerequested } from './check-suite-rerequested.js';
import { deploymentProtectionRuleRequested } from './deployment-protection-rule-requested.js';
import type { GitHubHandlerDeps } from './handler-deps.js';
import { installationChanged } from './installation-changed.js';
import { issueCommentCreated } from './issue-comment-created.js';
import { issuesClosed } from './issues-closed.js';
import { mergeGroupChecksRequested } from './merge-group-checks-requested.js';
import { oncePerDelivery } from './once-per-delivery.js';
import { PULL_REQUEST_CHANGED, pullRequestChanged } from './pull-request-changed.js';
import { pullRequestReviewDismissed } from './pull-request-review-dismissed.js';
import { pullRequestReviewSubmitted } from './pull-request-review-submitted.js';
import { push } from './push.js';
import { webhookIntake } from './webhook-intake.js';
import { workflowRunCompleted } from './workflow-run-completed.js';

export const WEBHOOK_PATH = '/api/github/webhooks';

export interface GitHubAppConfig {
  appId: string;
  /** PEM text. */
  privateKey: string;
  webhookSecret: string;
  /** GitHub Enterprise Server host (`github.example.com[:port]`), or null for github.com. */
  gheHost: string | null;
  gheProtocol: 'https' | 'http';
}

/** Probot and the gateway over its Octokit, built by `connectGitHub` (app/adapters/github/connect-github.ts). */
export interface GitHubConnection {
  probot: Probot;
  gateway: GitHubGateway;
  /** GitHub's web address (`https://github.com`, or the Enterprise Server's): see `githubWebUrl`. */
  webUrl: string;
  /** GitHub API calls so far, by outcome (exported as `agentgate_github_api_calls_total`). */
  apiCalls?: () => Record<'counted' | 'not_modified' | 'error', number>;
}

/** A key bound to a repository where the app is not installed is refused (422 `not_installed`). */
export function requireInstallation(gateway: GitHubGateway) {
  return async (repository: string): Promise<void> => {
    try {
      await gateway.installationOf(repository);
    } catch (error) {
      if (error instanceof GitHubError && error.status === 404) throw notInstalled(repository);
      throw new AppError(
        'unavailable',
        `Could not check whether the GitHub App is installed on ${repository}; try again shortly.`,
      );
    }
  };
}

/**
 * A handler's failure is logged here, whole, and GitHub gets a 500 that says only that it failed:
 * never an exception's text (which can quote the payload or internals).
 */
function withoutDetails<C extends { id: string; name: string }>(
  log: Logger,
  handler: (context: C) => Promise<void>,
): (context: C) => Promise<void> {
  return async (context) => {
    try {
      await handler(context);
    } catch (error) {
      log.error({ err: error, delivery: context.id, event: context.name }, 'GitHub webhook handler failed');
      throw Object.assign(
        new Error(
          'AgentGate could not process this delivery; it is logged, and a redelivery will try again.',
        ),
        { status: 500 },
      );
    }
  };
}

export interface GitHubIntegrationOptions {
  connection: GitHubConnection;
  policies: GitHubPolicyProvider;
  /** Public URL of this server, linked from issues for requesters. */
  serverUrl?: string | null;
  /** First retry delay of GitHub jobs (default 5 s, doubling up to 10 minutes). */
  retryBaseMs?: number;
  /** How often pending issues are reconciled (default 5 minutes; 0 turns the timer off). */
  reconcileIntervalMs?: number;
  /** Past requests replayed for a policy pull request's impact (default 500). */
  policyReplayLimit?: number;
}

export interface GitHubIntegrationHandle {
  reconciler: GitHubReconciler | null;
  issues: GitHubIssueService | null;
  deployments?: GitHubDeploymentService | null;
}

export function createGitHubIntegration(
  options: GitHubIntegrationOptions,
  /** Filled in when the server builds the integration (tests reach the services through it). */
  handle: GitHubIntegrationHandle = { reconciler: null, issues: null },
): IntegrationFactory {
  return (context) => {
    const { store, clock, log, requests, votes } = context;
    const { probot, gateway } = options.connection;
    const policies = options.policies;
    const issues = new GitHubIssueService({
      store,
      gateway,
      requests,
      policies,
      clock,
      log,
      serverUrl: options.serverUrl ?? null,
      githubUrl: options.connection.webUrl,
      onJobsQueued: () => context.jobs.wake(),
    });
    const checks = new GitHubCheckService({
      store,
      gateway,
      requests,
      policies,
      clock,
      log,
      serverUrl: options.serverUrl ?? null,
      githubUrl: options.connection.webUrl,
      onJobsQueued: () => context.jobs.wake(),
    });
    const authorizer = new GitHubVoterAuthorizer(gateway, log);
    const reviews = new GitHubReviewService({
      store,
      clock,
      log,
      requests,
      votes,
      authorizer,
      issues,
      gateway,
    });
    const checkVotes = new GitHubCheckVoteService({
      store,
      clock,
      log,
      gateway,
      votes,
      authorizer,
      checks,
      issues,
    });
    const policyChecks = new GitHubPolicyCheckService({
      store,
      gateway,
      clock,
      log,
      ...(options.policyReplayLimit !== undefined && { replayLimit: options.policyReplayLimit }),
      onJobsQueued: () => context.jobs.wake(),
    });
    const mergeQueue = new GitHubMergeQueueService({
      store,
      gateway,
      policyChecks,
      clock,
      log,
      onJobsQueued: () => context.jobs.wake(),
    });
    const reruns = new GitHubRerunService({ store, gateway, checks, policyChecks, mergeQueue });
    const deployments = new GitHubDeploymentService({
      store,
      gateway,
      requests,
      clock,
      log,
      serverUrl: options.serverUrl ?? null,
      onJobsQueued: () => context.jobs.wake(),
    });
    const reconciler = new GitHubReconciler({ store, gateway, reviews, checkVotes, deployments, log });
    handle.reconciler = reconciler;
    handle.issues = issues;
    handle.deployments = deployments;

    const deps: GitHubHandlerDeps = { gateway, reviews, policies, checks, checkVotes };
    const once = <C extends { id: string; name: string }>(handler: (c: C) => Promise<void>) =>
      oncePerDelivery({ store, clock }, withoutDetails(log, handler));
    const middleware = createNodeMiddleware(
      (app) => {
        app.on('issue_comment.created', once(issueCommentCreated(deps)));
        app.on('issues.closed', once(issuesClosed(deps)));
        app.on('check_run.requested_action', once(checkRunRequestedAction(deps)));
        app.on('check_run.rerequested', once(checkRunRerequested({ gateway, reruns })));
        app.on('check_suite.rerequested', once(checkSuiteRerequested({ gateway, reruns })));
        app.on('merge_group.checks_requested', once(mergeGroupChecksRequested({ gateway, mergeQueue })));
        app.on('pull_request_review.submitted', once(pullRequestReviewSubmitted(deps)));
        app.on('pull_request_review.dismissed', once(pullRequestReviewDismissed(deps)));
        app.on('push', once(push(deps)));
        app.on(
          'deployment_protection_rule.requested',
          once(deploymentProtectionRuleRequested({ gateway, deployments })),
        );
        app.on('workflow_run.completed', once(workflowRunCompleted({ gateway, deployments })));
        app.on([...PULL_REQUEST_CHANGED], once(pullRequestChanged({ gateway, policyChecks })));
        app.on(['installation', 'installation_repositories'], once(installationChanged(deps)));
      },
      { probot, webhooksPath: WEBHOOK_PATH },
    );
    // Answer 500 rather than hang if the middleware could not be built.
    middleware.catch((error: unknown) => log.error({ err: error }, 'GitHub webhook middleware failed'));

    let timer: NodeJS.Timeout | undefined;
    const intervalMs = options.reconcileIntervalMs ?? 5 * 60 * 1000;
    const retryBaseMs = options.retryBaseMs ?? 5000;
    const retry = { baseDelayMs: retryBaseMs, maxDelayMs: Math.max(retryBaseMs, 600_000) };
    let webhooks = 0;

    return {
      name: 'github',
      // Issues for `via: issue` (and `via: check` without a usable commit), check runs for the rest.
      reactor: {
        jobsFor: (change, request) => [
          ...issues.reactor.jobsFor(change, request),
          ...checks.reactor.jobsFor(change, request),
          ...mergeQueue.reactor.jobsFor(change, request),
          ...deployments.reactor.jobsFor(change, request),
        ],
      },
      jobKinds: {
        ...issues.jobKinds(retry),
        ...checks.jobKinds(retry),
        ...policyChecks.jobKinds(retry),
        ...mergeQueue.jobKinds(retry),
        ...deployments.jobKinds(retry),
      },
      mountRaw(app: Express) {
        app.post(
          WEBHOOK_PATH,
          (_req, _res, next) => {
            webhooks += 1;
            next();
          },
          // Headers, size, signature and shape are checked before Probot reads anything.
          ...webhookIntake({
            limitBytes: BODY_LIMITS.github,
            verify: async (body, signature) => {
              await middleware;
              return probot.webhooks.verify(body, signature);
            },
          }),
          (req, res, next) => {
            middleware.then((handler) => handler(req, res, next), next);
          },
        );
      },
      counters: options.connection.apiCalls
        ? [
            {
              name: 'agentgate_github_api_calls_total',
              help: 'GitHub API calls by outcome: counted (spent against the rate limit), not_modified (a 304 to a conditional request: free), error.',
              label: 'outcome',
              read: options.connection.apiCalls,
            },
          ]
        : [],
      health: () => ({ webhooksPath: WEBHOOK_PATH, webhooksReceived: webhooks }),
      start() {
        if (intervalMs > 0) {
          timer = setInterval(() => {
            // One instance of a cluster reconciles, about once per interval between them all.
            context.clusterLock
              .tryRun('github-reconcile', () => reconciler.reconcileAll(), {
                minIntervalMs: Math.floor(intervalMs * 0.9),
              })
              .catch((error: unknown) => log.warn({ err: error }, 'reconciliation failed'));
          }, intervalMs).unref();
        }
      },
      async stop() {
        clearInterval(timer);
        await reconciler.idle();
      },
    };
  };
}
