/** Who can approve, in words a reviewer reads on GitHub. Pure. */
import type { Approvers, ReviewRequirement } from '../../sdk/schemas.js';

/** `github:bob` → `@bob`; other deciders as code (`api:ops`, `system:expiry`). */
export function mentionOf(decider: string): string {
  if (decider.startsWith('github:')) return `@${decider.slice('github:'.length)}`;
  if (decider.startsWith('slack:')) return `Slack user \`${decider.slice('slack:'.length)}\``;
  return `\`${decider}\``;
}

/** "@alice, members of @acme/finance, or anyone with maintain access or more". */
export function describeApprovers(approvers: Approvers): string {
  const parts: string[] = [
    ...(approvers.users ?? []).map((u) => `@${u.replace(/^@/, '')}`),
    ...(approvers.teams ?? []).map((t) => `members of @${t}`),
  ];
  if (approvers.permission) {
    parts.push(
      approvers.permission === 'admin'
        ? 'anyone with admin access'
        : `anyone with ${approvers.permission} access or more`,
    );
  }
  if (parts.length === 0) {
    return approvers.slack?.length ? 'approvers on Slack only' : 'nobody on GitHub';
  }
  if (parts.length === 1) return parts[0] as string;
  return `${parts.slice(0, -1).join(', ')}, or ${parts.at(-1)}`;
}

/** One sentence per requirement: "big-payments: 2 approvals from @alice or members of @acme/finance". */
export function describeRequirements(requirements: readonly ReviewRequirement[]): string {
  return requirements
    .map((r) => {
      const n = `${r.count} approval${r.count === 1 ? '' : 's'}`;
      return `**${r.rule}**: ${n} from ${describeApprovers(r.approvers)} (${r.approvedBy.length} so far)`;
    })
    .join('; ');
}
