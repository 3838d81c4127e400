/**
 * The comment on a request's issue that AgentGate reopened: closing it was not a decision, because
 * a commit, a bot or someone who cannot decide closed it. It says why and who can decide, without
 * notifying anyone (names as code spans: the closer did not ask for the approvers to be paged). Pure.
 */
import type { Refusal } from '../approvals/qualify-voter.js';
import { progressOf } from '../approvals/tally-votes.js';
import type { RequestRecord } from '../ports/store.js';
import { codeSpan, describeRequirements, QUIET_MARKDOWN } from './describe-approvers.js';

/** Why a close did not decide: a commit's `closes #N`, or the closer's refusal. */
export type CloseRefusal = 'commit' | Refusal;

/** Hidden marker of the comment for one close (GitHub's event id), so a retried job posts it once. */
export const reopenMarker = (closeEventId: number): string => `<!-- agentgate:reopened:${closeEventId} -->`;

export function renderReopenComment(
  request: RequestRecord,
  close: { eventId: number; login: string | null; commitId: string | null; refusal: CloseRefusal },
): string {
  const who = codeSpan(close.login ?? 'ghost');
  const why =
    close.refusal === 'commit'
      ? `Commit ${codeSpan((close.commitId ?? '').slice(0, 7))} closed this issue (\`closes #N\` in a pushed ` +
        'commit or a merged pull request). A commit never decides a request'
      : close.refusal === 'bot'
        ? `${who} closed this issue, but bots never decide a request`
        : close.refusal === 'requester'
          ? `${who} closed this issue, but requested this action (or delegated the task), and nobody decides their own request`
          : `${who} closed this issue, but is not one of the approvers of this request, so closing it did not deny it`;
  const requirements = request.review?.requirements ?? [];
  const { approvals, needed } = progressOf(requirements);
  return [
    reopenMarker(close.eventId),
    `🔓 **Reopened.** ${why}. The request is still pending.`,
    '',
    `Who can decide: ${describeRequirements(requirements, QUIET_MARKDOWN)}. Progress: ${approvals} of ${needed}.`,
    '',
    'One of them answers with `/approve [reason]` or `/deny [reason]`; closing the issue denies the ' +
      'request only when one of them closes it.',
  ].join('\n');
}
