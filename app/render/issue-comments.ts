/** Comments AgentGate writes on a request's issue: the final decision and answers to voters. Pure. */
import { describeOverride, isOverride } from '../../sdk/is-override.js';
import type { RequestStatus } from '../../sdk/schemas.js';
import type { Refusal } from '../approvals/qualify-voter.js';
import { progressOf } from '../approvals/tally-votes.js';
import type { RequestRecord } from '../ports/store.js';
import { describeRequirements, mentionOf, QUIET_MARKDOWN, quietNameOf } from './describe-approvers.js';
import { renderVoteLines } from './vote-sources.js';

/** Hidden marker of the final comment, so a retried reflection never posts it twice. */
export const decisionMarker = (requestId: string): string => `<!-- agentgate:decision:${requestId} -->`;

const HEADLINE: Record<Exclude<RequestStatus, 'pending'>, string> = {
  approved: '✅ **Approved**',
  denied: '❌ **Denied**',
  expired: '⌛ **Expired**',
  cancelled: '🚫 **Cancelled**',
};

/** The final comment: who decided, why, and what that means for the agent. */
export function renderDecisionComment(request: RequestRecord): string {
  if (request.status === 'pending') throw new Error('a pending request has no decision to render');
  const by = request.decidedBy;
  const who =
    by === 'system:expiry'
      ? `— nobody decided before ${request.expiresAt.slice(0, 16).replace('T', ' ')} UTC`
      : by === 'policy'
        ? 'by policy'
        : by && isOverride(request)
          ? `by ${mentionOf(by)} — ${describeOverride(request, (label) => `**${label}**`)}`
          : by
            ? `by ${mentionOf(by)}${by.startsWith('api:') ? ' through the AgentGate API' : ''}`
            : '';
  const lines = [decisionMarker(request.id), `${HEADLINE[request.status]} ${who}.`.replace(/ \./, '.')];
  if (request.decisionReason && by !== 'system:expiry')
    lines.push('', `> ${request.decisionReason.split('\n').join('\n> ')}`);
  const approvedBy = (request.review?.requirements ?? []).flatMap((r) => r.approvedBy);
  if (approvedBy.length > 0) {
    const { approvals, needed } = progressOf(request.review?.requirements ?? []);
    lines.push('', `Approvals: ${approvedBy.map(mentionOf).join(', ')} (${approvals} of ${needed} needed).`);
  }
  const votes = request.review?.votes ?? [];
  if (votes.length > 0) lines.push('', 'Votes, with where each was cast:', '', ...renderVoteLines(votes));
  const effect =
    request.status === 'approved'
      ? `The agent may now run \`${request.action}\`.`
      : `The agent will not run \`${request.action}\`.`;
  lines.push('', `${effect} The decision is final; this issue is closed.`);
  return lines.join('\n');
}

/**
 * The answer to a command that did not count. It addresses the person who typed it (subscribed
 * to the thread anyway) and names the approvers without `@`, so a stray command notifies nobody else.
 */
export function renderRefusalReply(
  request: RequestRecord,
  login: string,
  command: 'approve' | 'deny',
  refusal: Refusal,
): string {
  const why =
    refusal === 'requester'
      ? 'you requested this action (or delegated the task), and nobody approves their own request'
      : 'you are not one of the approvers of this request';
  const requirements = request.review?.requirements ?? [];
  const { approvals, needed } = progressOf(requirements);
  return [
    `@${login}, your \`/${command}\` was not counted: ${why}.`,
    '',
    `Who can decide: ${describeRequirements(requirements, QUIET_MARKDOWN)}. Progress: ${approvals} of ${needed}.`,
  ].join('\n');
}

/** The answer to a command on a request that is already decided (the decider named without `@`). */
export function renderNotPendingReply(
  request: RequestRecord,
  login: string,
  command: 'approve' | 'deny',
): string {
  const by = request.decidedBy ? ` (${quietNameOf(request.decidedBy)})` : '';
  return `@${login}, your \`/${command}\` was not counted: this request is already **${request.status}**${by}, and a decision is final.`;
}

/**
 * The answer to `/approve <id>` or `/deny <id>` in an issue when `<id>` is not the issue's request:
 * an issue decides only its own request (login in a code span: no @-mention).
 */
export function renderOtherRequestReply(
  request: RequestRecord,
  login: string,
  command: 'approve' | 'deny',
  namedId: string,
): string {
  const name = (id: string) => (id.includes('`') ? `\`\` ${id} \`\`` : `\`${id}\``);
  return [
    `${name(login)}: your ${name(`/${command} ${namedId}`)} was not counted: this issue decides request ${name(request.id)} only, and ${name(namedId)} is another request.`,
    '',
    `To decide ${name(request.id)} here, comment ${name(`/${command}`)} (or ${name(`/${command} ${request.id}`)}). To decide ${name(namedId)}, answer where it is reviewed: its own issue, or its check run.`,
  ].join('\n');
}
