/**
 * The note an issue shows when a rule asked for review on a commit but the request is reviewed in
 * the issue (docs/github-app.md, "Review on a commit"). Which commit a request targets is a domain
 * rule: app/approvals/check-target.ts. Pure.
 */
import { checkTargetOf, wantsCheckRun } from '../approvals/check-target.js';
import type { RequestRecord } from '../ports/store.js';
import { code } from './issue-body.js';

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
