/**
 * A request's decision carried over to a merge-queue commit (docs/github-app.md, "Merge queues"):
 * the check run of the same name as the one on the pull request's head, with the same conclusion,
 * so a branch that requires `AgentGate: <action>` can use a merge queue. Pending shows as
 * `in_progress` (the queue waits; its own timeout applies) and is completed when the request is
 * decided; nobody decides here — the summary links the run on the pull request, where the buttons
 * are. Pure.
 */
import type { CheckConclusion } from '../ports/github-gateway.js';
import type { RequestRecord } from '../ports/store.js';
import { conclusionOf, renderCheckRun } from './check-run-output.js';
import { code } from './issue-body.js';

export interface MergeGroupCheckView {
  request: RequestRecord;
  /** The request's own check run, on the pull request's head. */
  original: { url: string; headSha: string };
  /** The pull request queued, as the merge group's ref names it. */
  pullRequest: number;
}

export interface MergeGroupCheckOutput {
  status: 'in_progress' | 'completed';
  conclusion?: CheckConclusion;
  title: string;
  summary: string;
}

export function renderMergeGroupCheck({
  request,
  original,
  pullRequest,
}: MergeGroupCheckView): MergeGroupCheckOutput {
  const { title } = renderCheckRun({ request });
  const from = `the check run on pull request #${pullRequest}’s head ${code(original.headSha.slice(0, 7))}`;
  const link = original.url ? `[${from}](${original.url})` : from;
  const summary =
    request.status === 'pending'
      ? [
          `Carried over from ${link}, where this request waits for a decision: approve or deny it there (its buttons, a review or a comment on the pull request).`,
          '',
          'This run completes with the same conclusion as soon as the request is decided. Until then the merge queue waits for it, up to the queue’s own timeout.',
        ]
      : [
          `Carried over from ${link}: the request was **${request.status}**, so this merge-queue commit gets the same conclusion.`,
        ];
  return {
    status: request.status === 'pending' ? 'in_progress' : 'completed',
    ...(request.status !== 'pending' && { conclusion: conclusionOf(request.status) }),
    title,
    summary: summary.join('\n'),
  };
}
