/**
 * Webhook payloads for review on a commit, built from `@octokit/webhooks-examples` (the one
 * `check_run.requested_action` example, a `pull_request_review.submitted` example with its
 * `commented` state adapted, and turned into `dismissed`; an `issue_comment.created` example given `issue.pull_request`).
 */
import type { FakeCheckRun, FakeComment, FakeReview } from '../fakes/fake-github.js';
import { commentPayload, example, INSTALLATION_ID } from './harness.js';

function inRepository(payload: any, fullName: string): any {
  const [owner, name] = fullName.split('/');
  payload.repository = {
    ...payload.repository,
    full_name: fullName,
    name,
    owner: { ...payload.repository.owner, login: owner },
  };
  payload.installation = { ...payload.installation, id: INSTALLATION_ID };
  return payload;
}

const userOf = (base: any, login: string, type = 'User') => ({ ...base, login, type });

/** Someone clicks the button `identifier` on check run `run`. */
export function buttonPayload(
  fullName: string,
  run: FakeCheckRun,
  identifier: string,
  login: string,
  type = 'User',
) {
  const payload = inRepository(
    example('check_run', (e) => e.action === 'requested_action' && e.installation),
    fullName,
  );
  payload.check_run = {
    ...payload.check_run,
    id: run.id,
    name: run.name,
    head_sha: run.head_sha,
    external_id: run.external_id,
    status: run.status,
    conclusion: run.conclusion,
    html_url: run.html_url,
  };
  payload.requested_action = { identifier };
  payload.sender = userOf(payload.sender, login, type);
  return payload;
}

/** GitHub asks for a new run of `run` ("Re-run"). */
export function rerunPayload(fullName: string, run: FakeCheckRun, login: string) {
  const payload = buttonPayload(fullName, run, 'x', login);
  payload.action = 'rerequested';
  delete payload.requested_action;
  return payload;
}

/** A submitted review of pull request `number` whose head is `headSha`. */
export function reviewPayload(fullName: string, number: number, headSha: string, review: FakeReview) {
  const payload = inRepository(
    example('pull_request_review', (e) => e.action === 'submitted' && e.installation),
    fullName,
  );
  payload.pull_request = {
    ...payload.pull_request,
    number,
    head: { ...payload.pull_request.head, sha: headSha },
  };
  payload.review = {
    ...payload.review,
    id: review.id,
    body: review.body === '' ? null : review.body,
    // Webhooks say `approved`; the REST API says `APPROVED`.
    state: review.state.toLowerCase(),
    commit_id: review.commit_id,
    submitted_at: review.submitted_at,
    html_url: review.html_url,
    user: userOf(payload.review.user, review.user.login, review.user.type),
  };
  payload.sender = userOf(payload.sender, review.user.login, review.user.type);
  return payload;
}

/** `pull_request_review.dismissed`: `dismissedBy` dismissed `review` (already `DISMISSED` in the fake). */
export function dismissedReviewPayload(
  fullName: string,
  number: number,
  headSha: string,
  review: FakeReview,
  dismissedBy: string,
) {
  const payload = reviewPayload(fullName, number, headSha, review);
  payload.action = 'dismissed';
  payload.review.state = 'dismissed';
  payload.sender = userOf(payload.sender, dismissedBy);
  return payload;
}

/** `issue_comment.created` for a comment on pull request `number` (a PR is an issue with `pull_request`). */
export function pullRequestCommentPayload(fullName: string, number: number, comment: FakeComment) {
  const payload = commentPayload(fullName, number, comment);
  payload.issue.pull_request = {
    url: `https://api.github.test/repos/${fullName}/pulls/${number}`,
    html_url: `https://github.test/${fullName}/pull/${number}`,
    diff_url: `https://github.test/${fullName}/pull/${number}.diff`,
    patch_url: `https://github.test/${fullName}/pull/${number}.patch`,
  };
  return payload;
}

/**
 * A `pull_request` delivery (`opened` unless `action` says otherwise) for pull request `number` of
 * `fullName` from `headRepository` (a fork when it differs), with the given head and base commits.
 */
export function pullRequestPayload(
  fullName: string,
  number: number,
  commits: { head: string; base: string },
  { action = 'opened', headRepository = fullName }: { action?: string; headRepository?: string } = {},
) {
  const payload = inRepository(
    example('pull_request', (e) => e.action === action && e.installation !== undefined),
    fullName,
  );
  payload.number = number;
  payload.pull_request = {
    ...payload.pull_request,
    number,
    state: 'open',
    head: {
      ...payload.pull_request.head,
      sha: commits.head,
      repo: { ...payload.pull_request.head.repo, full_name: headRepository },
    },
    base: { ...payload.pull_request.base, ref: 'main', sha: commits.base },
  };
  return payload;
}
