import { describe, expect, it } from 'vitest';
import { parseMergeQueueRef } from '../../app/approvals/merge-queue-ref.js';

const SHA = '929f8209d40f77f4abc622a499c93a83babdbe64';

describe('parseMergeQueueRef', () => {
  it.each([
    [`refs/heads/gh-readonly-queue/main/pr-104-${SHA}`, { baseBranch: 'main', pullRequest: 104 }],
    [`gh-readonly-queue/main/pr-7-${SHA}`, { baseBranch: 'main', pullRequest: 7 }],
    [`refs/heads/gh-readonly-queue/release/2.x/pr-12-${SHA}`, { baseBranch: 'release/2.x', pullRequest: 12 }],
  ])('%s names its pull request', (ref, expected) => {
    expect(parseMergeQueueRef(ref)).toEqual(expected);
  });

  it.each([
    ['refs/heads/main'],
    [`refs/heads/gh-readonly-queue/main/pr-x-${SHA}`],
    [`refs/heads/gh-readonly-queue/main/pr-7-${SHA.slice(0, 7)}`],
    [`refs/heads/gh-readonly-queue/pr-7-${SHA}`],
    [`refs/heads/gh-readonly-queue/main/pr-0-${SHA}`],
    // Two pull requests in one ref: a shape GitHub does not make; never guess which.
    [`refs/heads/gh-readonly-queue/main/pr-6-${SHA}/pr-7-${SHA}`],
    [`refs/heads/feature/gh-readonly-queue/main/pr-7-${SHA}`],
  ])('%s is not understood', (ref) => {
    expect(parseMergeQueueRef(ref)).toBeNull();
  });
});
