/**
 * Where a request routed `via: check` is reviewed (docs/github-app.md, "Review on a commit"): on commit
 * `context.sha` (40 hex) of its repository, optionally tied to pull request `context.pullRequest`.
 * Without a usable SHA it is reviewed in an issue instead, and the issue says why. Pure.
 */
import type { RequestRecord } from '../ports/store.js';
import { code } from './issue-body.js';

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
function pullRequestOf(value: unknown): number | null {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** A routing rule asked for review on a commit. */
export const wantsCheckRun = (request: Pick<RequestRecord, 'review'>): boolean =>
  request.review?.requirements.some((r) => r.via === 'check') ?? false;

/** Reviewed in a check run: routed `via: check`, in a repository, with a usable commit. */
export function reviewedOnCommit(request: Pick<RequestRecord, 'review' | 'repository' | 'context'>): boolean {
  return request.repository !== null && request.review?.via === 'check' && checkTargetOf(request).ok === true;
}

/**
 * Why a request a rule meant for a check run is reviewed in an issue; null when no rule asked for a
 * check run. `review.via` turns to `issue` when GitHub refused the commit (not in the repository).
 */
export function renderCheckFallbackNote(
  request: Pick<RequestRecord, 'review' | 'context' | 'repository'>,
): string | null {
  if (!wantsCheckRun(request)) return null;
  const target = checkTargetOf(request);
  const why = target.ok
    ? `GitHub did not accept a check run on commit ${code(target.sha.slice(0, 7))}: it is not a commit of ${code(request.repository ?? 'this repository')}`
    : target.problem === 'no_sha'
      ? `the request has no ${code('context.sha')}`
      : `${code('context.sha')} is not a full 40-character commit SHA`;
  return `The routing rule asks for review on a commit (${code('via: check')}), but ${why}. It is reviewed in this issue instead.`;
}
