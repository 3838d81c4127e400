/**
 * The answer to a deployment protection rule (docs/deployments.md): `approved` or `rejected`, with
 * the comment GitHub shows on the workflow run's deployment review — who decided, why, and where
 * the review happened. Plain text: GitHub shows the comment as written. Pure.
 */
import { describeOverride, isOverride } from '../../sdk/is-override.js';
import type { DeploymentReview } from '../ports/github-gateway.js';
import type { RequestRecord } from '../ports/store.js';

/** GitHub does not document a limit; a reviewer reads a few lines, so we keep it to that. */
export const DEPLOYMENT_COMMENT_MAX = 1000;

/** `github:alice` → `@alice`; `slack:U1` → `Slack user U1`; others as they are (`api:ops`). */
function nameOf(decider: string): string {
  if (decider.startsWith('github:')) return `@${decider.slice('github:'.length)}`;
  if (decider.startsWith('slack:')) return `Slack user ${decider.slice('slack:'.length)}`;
  return decider;
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Why the request ended as it did, in a sentence. */
function decisionSentence(request: RequestRecord): string {
  const by = request.decidedBy ?? 'AgentGate';
  const rules =
    request.policyDecision.rules.length > 0 ? request.policyDecision.rules.join(', ') : 'defaults';
  const reason = request.decisionReason ? `: ${clip(request.decisionReason, 300)}` : '';
  switch (request.status) {
    case 'approved':
    case 'denied': {
      const verb = request.status === 'approved' ? 'Approved' : 'Rejected';
      if (by === 'policy') {
        // An approval's reason names its rule already (`Approved by policy rule "x": …`); a denial's is the rule's own.
        const own = request.decisionReason ?? '';
        if (/^(Approved|Denied) by policy/.test(own)) return clip(own, 400);
        return `${verb} by policy rule ${request.policyDecision.rules.map((r) => `"${r}"`).join(', ')}${reason}`;
      }
      if (isOverride(request)) return `${verb} by ${nameOf(by)}, ${describeOverride(request)}${reason}`;
      const approvers = (request.review?.requirements ?? []).flatMap((r) => r.approvedBy);
      const who =
        request.status === 'approved' && approvers.length > 0
          ? [...new Set(approvers)].map(nameOf).join(', ')
          : nameOf(by);
      return `${verb} by ${who} (rule ${rules})${reason}`;
    }
    case 'expired':
      return `Rejected: nobody approved it before ${request.expiresAt.slice(0, 16).replace('T', ' ')} UTC, when the request expired (rule ${rules})`;
    case 'cancelled':
      return `Rejected: the request was cancelled by ${nameOf(by)}${reason}`;
    default:
      throw new Error('a pending request has no answer');
  }
}

/**
 * The answer for a decided deployment request. `requestUrl` is the request's page on this server
 * (null when no public URL is configured); the review (issue or check run) is linked when it has one.
 */
export function renderDeploymentAnswer(request: RequestRecord, requestUrl: string | null): DeploymentReview {
  if (request.requester.type !== 'github_deployment') throw new Error(`${request.id} is not a deployment`);
  const links = [
    ...(request.review?.url ? [`Review: ${request.review.url}`] : []),
    ...(requestUrl ? [`Request: ${requestUrl}`] : []),
  ];
  const head = `AgentGate ${request.id}: ${decisionSentence(request).replace(/[.\s]+$/, '')}.`;
  const tail = links.length > 0 ? ` ${links.join(' ')}` : '';
  return {
    environment: request.requester.environment,
    state: request.status === 'approved' ? 'approved' : 'rejected',
    comment: clip(head, DEPLOYMENT_COMMENT_MAX - tail.length) + tail,
  };
}
