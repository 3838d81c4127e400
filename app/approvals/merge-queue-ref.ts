/**
 * The pull request a merge-queue commit was made for, from its ref:
 * `refs/heads/gh-readonly-queue/<base branch>/pr-<number>-<sha>` (GitHub's `merge_group.head_ref`).
 * The base branch may contain slashes. Anything else — no `pr-<n>-<sha>` at the end, or more than
 * one (a shape GitHub does not make today) — is not understood: null, and nothing is carried over
 * (fail closed: the required check stays missing and the queue times out). Pure.
 */
const QUEUE_REF = /^(?:refs\/heads\/)?gh-readonly-queue\/(.+)\/pr-(\d+)-([0-9a-f]{40})$/;

export function parseMergeQueueRef(ref: string): { baseBranch: string; pullRequest: number } | null {
  const match = QUEUE_REF.exec(ref);
  if (!match) return null;
  const [, baseBranch = '', number = ''] = match;
  if (/(^|\/)pr-\d+-[0-9a-f]{40}(\/|$)/.test(baseBranch)) return null;
  const pullRequest = Number(number);
  return Number.isSafeInteger(pullRequest) && pullRequest > 0 ? { baseBranch, pullRequest } : null;
}
