/**
 * Where a request routed `via: check` is reviewed (DESIGN §5, §10 "GitHub"): on commit
 * `context.sha` (40 hex) of its repository, optionally tied to pull request `context.pullRequest`.
 * Without a usable SHA it is reviewed in an issue instead (render/check-target.ts says why). Pure.
 */
import type { RequestRecord } from '../ports/store.js';

export type CheckTarget =
  | { ok: true; sha: string; pullRequest: number | null }
  | { ok: false; problem: 'no_sha' | 'bad_sha' };

const SHA = /^[0-9a-f]{40}$/i;

/** The commit (lowercase) and pull request a request names in its context, or what is wrong. */
export function checkTargetOf(request: Pick<RequestRecord, 'context'>): CheckTarget {
  const sha = request.context.sha;
  if (sha === undefined || sha === null || sha === '') return { ok: false, problem: 'no_sha' };
  if (typeof sha !== 'string' || !SHA.test(sha)) return { ok: false, problem: 'bad_sha' };
  return { ok: true, sha: sha.toLowerCase(), pullRequest: pullRequestOf(request.context.pullRequest) };
}

/** A positive integer, or a string of digits (what workflow expressions give). Anything else: none. */
export function pullRequestOf(value: unknown): number | null {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : null;
}

/**
 * The pull request whose reviews and bare `/approve` comments count for the request
 * (`review.boundPullRequest`, app/approvals/pull-request-binding.ts); null when none is bound, and
 * for rows stored before requests recorded it. Not `context.pullRequest`: an agent may name any PR.
 */
export const boundPullRequestOf = (request: Pick<RequestRecord, 'review'>): number | null =>
  request.review?.boundPullRequest ?? null;

/** A routing rule asked for review on a commit. */
export const wantsCheckRun = (request: Pick<RequestRecord, 'review'>): boolean =>
  request.review?.requirements.some((r) => r.via === 'check') ?? false;

/** Reviewed in a check run: routed `via: check`, in a repository, with a usable commit. */
export function reviewedOnCommit(request: Pick<RequestRecord, 'review' | 'repository' | 'context'>): boolean {
  return request.repository !== null && request.review?.via === 'check' && checkTargetOf(request).ok === true;
}
