/**
 * Verified facts win (DESIGN §11): a request authenticated by a GitHub Actions OIDC token may not
 * say anything its token contradicts. What is checked, per event (docs/security.md, "Verified
 * facts"):
 *
 * - `context.repository` (and `repository` of a dry run): always the token's `repository`.
 * - `context.pullRequest`: when the token's `ref` is `refs/pull/N/merge` (`pull_request`,
 *   `pull_request_review`, … events), it must be N, and is filled in when absent. Other tokens name
 *   no PR; the PR their context names binds as a repository-bound key's would
 *   (`pullRequestBindingOf`).
 * - `context.sha`: must be the token's `sha`, and is filled in when absent — except for a PR ref,
 *   whose `sha` is the merge commit while the job gates the PR's head, and for `pull_request_target`
 *   and `issue_comment`, whose `sha` is the default branch's. There the PR binding is what is
 *   verified: its reviews count only while its head is the check's commit.
 * - `context.ref`, `context.eventName`, `context.runId`, `context.environment`: when present, the
 *   token's `ref`, `event_name`, `run_id`, `environment` (the Action fills in the first three from
 *   the same run, so they always agree).
 *
 * Everything else in `context` is the agent's word, shown to reviewers as unverified. Pure.
 */
import type { Requester } from '../../sdk/schemas.js';
import { pullRequestOf } from './check-target.js';

type ActionsRequester = Extract<Requester, { type: 'github_actions' }>;

export type Reconciled =
  | { ok: true; context: Record<string, unknown> }
  | { ok: false; field: string; message: string };

/** Events whose token carries the default branch's `ref` and `sha` while the job gates a PR's head. */
const DEFAULT_BRANCH_EVENTS: ReadonlySet<string> = new Set(['pull_request_target', 'issue_comment']);

/** Whether `context.sha` must be the token's `sha` for a token of this kind. */
export function shaIsVerified(requester: ActionsRequester): boolean {
  if (requester.pullRequest !== null) return false;
  return requester.event === null || !DEFAULT_BRANCH_EVENTS.has(requester.event);
}

const shown = (value: unknown) => (typeof value === 'string' ? `"${value}"` : JSON.stringify(value));

function contradiction(field: string, given: unknown, claim: string, fact: string, advice: string) {
  return {
    ok: false as const,
    field,
    message:
      `${field} ${shown(given)} contradicts this job's GitHub Actions OIDC token, whose "${claim}" claim ` +
      `is "${fact}". ${advice}`,
  };
}

const LEAVE_OUT = 'Leave it out: the server takes it from the token.';

export function reconcileWithToken(
  requester: ActionsRequester,
  context: Record<string, unknown>,
): Reconciled {
  const filled: Record<string, unknown> = { ...context };

  const repository = context.repository;
  if (repository !== undefined) {
    if (typeof repository !== 'string' || repository.toLowerCase() !== requester.repository.toLowerCase()) {
      return contradiction(
        'context.repository',
        repository,
        'repository',
        requester.repository,
        'A workflow can only ask for its own repository; run it there, or use an API key bound to that repository.',
      );
    }
  }

  if (requester.pullRequest !== null) {
    if (context.pullRequest === undefined) filled.pullRequest = requester.pullRequest;
    else if (pullRequestOf(context.pullRequest) !== requester.pullRequest) {
      return contradiction(
        'context.pullRequest',
        context.pullRequest,
        'ref',
        requester.ref,
        `This workflow runs for pull request #${requester.pullRequest}, so only that pull request can approve it. ${LEAVE_OUT}`,
      );
    }
  }

  if (shaIsVerified(requester) && /^[0-9a-f]{40}$/i.test(requester.sha)) {
    if (context.sha === undefined) filled.sha = requester.sha;
    else if (typeof context.sha !== 'string' || context.sha.toLowerCase() !== requester.sha.toLowerCase()) {
      return contradiction(
        'context.sha',
        context.sha,
        'sha',
        requester.sha,
        `A ${requester.event ?? 'workflow'} run gates the commit it runs on. ${LEAVE_OUT}`,
      );
    }
  }

  const plain: Array<[string, string, string | null]> = [
    ['ref', 'ref', requester.ref || null],
    ['eventName', 'event_name', requester.event],
    ['runId', 'run_id', requester.runId || null],
  ];
  for (const [key, claim, fact] of plain) {
    const given = context[key];
    if (given === undefined || fact === null) continue;
    if ((typeof given === 'string' || typeof given === 'number') && String(given) === fact) continue;
    return contradiction(`context.${key}`, given, claim, fact, LEAVE_OUT);
  }

  const environment = context.environment;
  if (environment !== undefined && environment !== null && environment !== requester.environment) {
    return {
      ok: false,
      field: 'context.environment',
      message:
        requester.environment === null
          ? `context.environment ${shown(environment)} contradicts this job's GitHub Actions OIDC token, which names no environment: ` +
            `give the job "environment: ${typeof environment === 'string' ? environment : '…'}" so GitHub vouches for it, or leave it out.`
          : `context.environment ${shown(environment)} contradicts this job's GitHub Actions OIDC token, whose "environment" claim is "${requester.environment}". ${LEAVE_OUT}`,
    };
  }

  return { ok: true, context: filled };
}
