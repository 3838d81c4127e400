/**
 * What the app answers on a pull request when a review or command there decided nothing because
 * it could not say which request it meant (docs/github-app.md, "Review on a commit"): several
 * requests are bound to the PR, none is, or `/approve <id>` named a request that is not decided
 * here. Logins are in code spans, never @-mentions. Pure.
 */
import type { PickProblem } from '../approvals/pick-request.js';
import type { RequestRecord } from '../ports/store.js';
import { checkRunName } from './check-run-output.js';
import { code } from './issue-body.js';

/** A pending request and the URL of its check run ('' or null while it is being created). */
export interface PendingOnPullRequest {
  request: RequestRecord;
  checkRunUrl: string | null;
}

const SAFE_URL = /^https?:\/\/[^\s()<>[\]"'`]+$/;

const runLink = (p: PendingOnPullRequest): string => {
  const url = p.checkRunUrl || p.request.review?.url || null;
  const name = code(checkRunName(p.request.action, p.request.id));
  return url && SAFE_URL.test(url) ? `[${name}](${url})` : name;
};

/** A table cell: a `|` in an agent's action name would end the cell (GitHub reads `\|` as `|`, even in code). */
const cell = (markdown: string): string => markdown.replace(/\|/g, '\\|');

function pendingTable(pending: readonly PendingOnPullRequest[]): string[] {
  return [
    '| Action | Request | Check run | To approve |',
    '|---|---|---|---|',
    ...pending.map(
      (p) =>
        `| ${cell(code(p.request.action))} | ${code(p.request.id)} | ${cell(runLink(p))} | ${code(`/approve ${p.request.id}`)} |`,
    ),
  ];
}

const HOW_TO_PICK = [
  `Decide each request on its own: comment ${code('/approve <request id> [reason]')} or ${code('/deny <request id> [reason]')} on this pull request, or click **Approve** or **Deny** on the request's check run.`,
];

/** A review or bare command on a pull request that several pending requests are bound to. */
export function renderAmbiguousReply(
  login: string,
  /** "approving review", "`/approve`". */
  what: string,
  pullRequest: number,
  pending: readonly PendingOnPullRequest[],
): string {
  return [
    `${code(login)}: your ${what} was not counted for any request: ${pending.length} requests wait for a decision on pull request #${pullRequest}, and one review or bare command cannot say which of them it decides.`,
    '',
    ...pendingTable(pending),
    '',
    ...HOW_TO_PICK,
  ].join('\n');
}

/** A review or bare command on a pull request whose head gates requests none of which is bound to it. */
export function renderNotBoundReply(
  login: string,
  what: string,
  pullRequest: number,
  pending: readonly PendingOnPullRequest[],
): string {
  const these =
    pending.length === 1 ? 'The request below waits' : `The ${pending.length} requests below wait`;
  return [
    `${code(login)}: your ${what} was not counted for any request. ${these} on this pull request's head commit but ${pending.length === 1 ? 'is' : 'are'} not bound to pull request #${pullRequest}: ${pending.length === 1 ? 'its requester' : 'their requesters'} could not prove ${pending.length === 1 ? 'it belongs' : 'they belong'} to it, so reviews and bare commands here do not decide ${pending.length === 1 ? 'it' : 'them'}.`,
    '',
    ...pendingTable(pending),
    '',
    ...HOW_TO_PICK,
  ].join('\n');
}

/** `/approve <id>` or `/deny <id>` naming a request that is not decided from this pull request. */
export function renderPickRefusal(
  login: string,
  decision: 'approve' | 'deny',
  requestId: string,
  problem: PickProblem,
  facts: { request: RequestRecord | null; pullRequest: number; headSha: string; checkRunUrl: string | null },
): string {
  const what = code(`/${decision} ${requestId}`);
  const request = facts.request;
  const run = request ? runLink({ request, checkRunUrl: facts.checkRunUrl }) : '';
  let why: string;
  switch (problem) {
    case 'unknown':
      why = `no request ${code(requestId)} exists in this repository. Check the id: it is shown on the request's check run.`;
      break;
    case 'not_pending':
      why = `request ${code(requestId)} is already **${request?.status ?? 'decided'}**${
        request?.decidedBy ? ` (${code(request.decidedBy)})` : ''
      }, and a decision is final.`;
      break;
    case 'not_on_commit':
      why = `request ${code(requestId)} is not reviewed on a commit${
        request?.review?.url && SAFE_URL.test(request.review.url)
          ? `: answer it in [its issue](${request.review.url})`
          : ''
      }.`;
      break;
    case 'other_pull_request':
      why = `request ${code(requestId)} is bound to pull request #${request?.review?.boundPullRequest ?? '?'}, not #${facts.pullRequest}: decide it there, or with the buttons of its check run ${run}.`;
      break;
    case 'other_commit': {
      const sha = typeof request?.context.sha === 'string' ? request.context.sha.slice(0, 7) : '?';
      why = `request ${code(requestId)} is gated on commit ${code(sha)}, and the head of this pull request is ${code(facts.headSha.slice(0, 7))}: a vote here counts only for the head commit. Decide it with the buttons of its check run ${run}.`;
      break;
    }
  }
  return `${code(login)}: your ${what} was not counted: ${why}`;
}
