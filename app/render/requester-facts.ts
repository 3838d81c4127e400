/**
 * What a reviewer may trust (DESIGN §11): the requester's facts that GitHub's OIDC token vouches
 * for are shown as verified; `context` is the agent's word and is labelled unverified wherever it
 * is shown (issue, check run, Slack). Pure; markdown here, Slack mrkdwn in app/slack/slack-text.ts.
 */
import type { ApprovalRequest, Requester } from '../../sdk/schemas.js';
import { shaIsVerified } from '../approvals/reconcile-with-token.js';
import type { RequestRecord } from '../ports/store.js';

export type ActionsRequester = Extract<Requester, { type: 'github_actions' }>;
export type DeploymentRequester = Extract<Requester, { type: 'github_deployment' }>;

/** The heading of the agent's `context` wherever reviewers see it. */
const UNVERIFIED_CONTEXT_TITLE = 'Context from the agent (unverified)';
const UNVERIFIED_CONTEXT_NOTE =
  'The agent wrote this, and AgentGate does not vouch for it: only what is marked verified comes from GitHub.';

export const VERIFIED_BY_TOKEN = "verified by GitHub's OIDC token";
export const VERIFIED_BY_DEPLOYMENT = "verified by GitHub's deployment protection rule";

/** The heading of a deployment request's context: GitHub wrote it, not an agent. */
const DEPLOYMENT_CONTEXT_TITLE = 'Deployment (from GitHub, verified)';
const DEPLOYMENT_CONTEXT_NOTE =
  'GitHub sent these facts with the deployment protection rule; no agent wrote any of them.';

/** The heading and note of the request's `context` wherever reviewers see it. */
export function contextHeadingOf(request: Pick<ApprovalRequest, 'requester'>): {
  title: string;
  note: string;
} {
  return request.requester.type === 'github_deployment'
    ? { title: DEPLOYMENT_CONTEXT_TITLE, note: DEPLOYMENT_CONTEXT_NOTE }
    : { title: UNVERIFIED_CONTEXT_TITLE, note: UNVERIFIED_CONTEXT_NOTE };
}

/** What triggered a GitHub Actions requester's run, as phrases: `[event, "pull request #7" | ref, environment]`. */
export function triggerOf(requester: ActionsRequester): {
  event: string | null;
  pullRequest: number | null;
  ref: string | null;
  environment: string | null;
} {
  return {
    event: requester.event,
    pullRequest: requester.pullRequest,
    ref: requester.pullRequest === null && requester.ref ? requester.ref : null,
    environment: requester.environment,
  };
}

/** How the commit a request gates is known: from the token, as a verified PR's head, or the requester's word. */
export type CommitSource = 'token' | 'token_pull_request' | 'deployment' | 'requester';

function commitSourceOf(request: Pick<RequestRecord, 'requester'>): CommitSource {
  const r = request.requester;
  if (r.type === 'github_deployment') return 'deployment';
  if (r.type !== 'github_actions') return 'requester';
  if (r.pullRequest !== null) return 'token_pull_request';
  return shaIsVerified(r) ? 'token' : 'requester';
}

/** A note after the commit of a check run: how far the reviewer can trust it. */
export function commitNote(request: Pick<RequestRecord, 'requester'>): string {
  const r = request.requester;
  switch (commitSourceOf(request)) {
    case 'token':
      return `the job's commit, ${VERIFIED_BY_TOKEN}`;
    case 'deployment':
      return `the deployment's commit, ${VERIFIED_BY_DEPLOYMENT}`;
    case 'token_pull_request':
      return `pull request #${r.type === 'github_actions' ? r.pullRequest : ''} ${VERIFIED_BY_TOKEN}; the commit is its head as the job named it`;
    default:
      return 'named by the requester, unverified';
  }
}
