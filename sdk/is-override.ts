/**
 * Operator overrides, in one place for the server (GitHub, Slack, audit) and the thin clients
 * (Action, CLI, MCP), so every surface labels the same decisions the same way. Pure.
 *
 * An override is a human-routed request approved or denied through the API: an operator's
 * `request:decide` (or admin) key decided it outright, recorded as `decidedBy: "api:<key name>"`,
 * whatever approvals its rules ask for. Derived from those recorded facts, so requests decided
 * before this rule existed are labelled too. Cancelling is not an override (the request is withdrawn
 * and nothing runs), nor are GitHub or Slack votes, policy decisions or expiry.
 *
 * @example
 * if (isOverride(request)) console.log(`${request.status} — ${describeOverride(request)}`);
 * // "approved — an operator override through the AgentGate API, with 0 of 2 approvals the policy asks for"
 */
import type { ApprovalRequest } from './schemas.js';

type DecidedFacts = Pick<ApprovalRequest, 'status' | 'decidedBy' | 'policyDecision'>;

/** The short label every surface shows next to an overridden decision. */
export const OVERRIDE_LABEL = 'operator override';

/** True when an operator decided this human-routed request through the API (see above). */
export function isOverride(request: DecidedFacts): boolean {
  return (
    (request.status === 'approved' || request.status === 'denied') &&
    request.policyDecision.decision === 'route_to_human' &&
    (request.decidedBy?.startsWith('api:') ?? false)
  );
}

/**
 * The rules (`default` for the policy defaults) whose `overrides: false` forbids deciding this
 * request through the API, as recorded when it was created. Empty means overrides are allowed,
 * which is also how requests stored before the setting existed read.
 */
export function overridesForbiddenBy(request: Pick<ApprovalRequest, 'policyDecision'>): string[] {
  return request.policyDecision.overridesForbiddenBy ?? [];
}

/**
 * `an operator override through the AgentGate API, with 0 of 2 approvals the policy asks for`;
 * `emphasize` marks the label up for the medium (`**…**` in markdown).
 */
export function describeOverride(
  request: Pick<ApprovalRequest, 'review'>,
  emphasize: (label: string) => string = (label) => label,
): string {
  const requirements = request.review?.requirements ?? [];
  const approvals = requirements.reduce((n, r) => n + Math.min(r.approvedBy.length, r.count), 0);
  const needed = requirements.reduce((n, r) => n + r.count, 0);
  const asked =
    needed === 0
      ? ''
      : `, with ${approvals} of ${needed} approval${needed === 1 ? '' : 's'} the policy asks for`;
  return `an ${emphasize(OVERRIDE_LABEL)} through the AgentGate API${asked}`;
}
