/** What the Action prints about a request: who can approve, how far it got, how long is left. */
import {
  type ApprovalRequest,
  describeApprovers as describeApproversIn,
  describeOverride,
  isOverride,
  type ReviewRequirement,
} from '../sdk/index.js';

const UNITS: Array<[string, number]> = [
  ['d', 86_400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
];

/** `1h 5m`, `4m 30s`, `12s`, `2d`: the two largest units, for log lines. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1000));
  const amounts = UNITS.map(([unit, size]) => {
    const n = Math.floor(rest / size);
    rest -= n * size;
    return { n, unit };
  });
  const first = amounts.findIndex((a) => a.n > 0);
  if (first === -1) return '0s';
  return amounts
    .slice(first, first + 2)
    .filter((a) => a.n > 0)
    .map((a) => `${a.n}${a.unit}`)
    .join(' ');
}

/** One line per routing rule: `2 approvals from alice or members of acme/finance (rule big-payments)`. */
export function describeApprovers(requirements: readonly ReviewRequirement[]): string[] {
  return requirements.map(
    (r) =>
      `${r.count} approval${r.count === 1 ? '' : 's'} from ${describeApproversIn(r.approvers)} (rule ${r.rule})`,
  );
}

/** `1 of 2 approvals` (per rule when several must be met). */
export function describeApprovals(requirements: readonly ReviewRequirement[]): string {
  if (requirements.length === 0) return 'no approvals recorded';
  return requirements
    .map((r) => {
      const got = Math.min(r.approvedBy.length, r.count);
      const text = `${got} of ${r.count} approval${r.count === 1 ? '' : 's'}`;
      return requirements.length > 1 ? `${text} (${r.rule})` : text;
    })
    .join(', ');
}

/** `Still waiting (4m 30s): 1 of 2 approvals; expires in 3h 25m.` */
export function describeProgress(request: ApprovalRequest, waitedMs: number, now: number): string {
  const approvals = describeApprovals(request.review?.requirements ?? []);
  const left = new Date(request.expiresAt).getTime() - now;
  return `Still waiting for a decision on ${request.id} (${formatDuration(waitedMs)}): ${approvals}; expires in ${formatDuration(left)}.`;
}

/**
 * `approved by github:alice: looks good`; an override says so:
 * `approved by api:ops (an operator override through the AgentGate API, with 0 of 1 approval the policy asks for)`.
 */
export function describeOutcome(request: ApprovalRequest): string {
  const override = isOverride(request) ? ` (${describeOverride(request)})` : '';
  const by = request.decidedBy ? ` by ${request.decidedBy}${override}` : '';
  const why = request.decisionReason ? `: ${request.decisionReason}` : '';
  return `${request.status}${by}${why}`;
}
