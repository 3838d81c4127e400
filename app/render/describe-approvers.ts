/** Who can approve, in words a reviewer reads on GitHub. Pure. */
import {
  type ApproverMedium,
  describeApprovers as describeApproversIn,
} from '../../sdk/describe-approvers.js';
import type { Approvers, ReviewRequirement } from '../../sdk/schemas.js';

/** `github:bob` → `@bob`; other deciders as code (`api:ops`, `system:expiry`). */
export function mentionOf(decider: string): string {
  if (decider.startsWith('github:')) return `@${decider.slice('github:'.length)}`;
  if (decider.startsWith('slack:')) return `Slack user \`${decider.slice('slack:'.length)}\``;
  if (decider.startsWith('discord:')) return `Discord user ${codeSpan(decider.slice('discord:'.length))}`;
  if (decider.startsWith('email:')) return codeSpan(decider.slice('email:'.length));
  return `\`${decider}\``;
}

/**
 * `github:bob` → `` `bob` ``: the decider named without notifying anyone (replies to commands
 * that did not count, which must not ping people every time a stranger types `/approve`).
 */
export function quietNameOf(decider: string): string {
  if (decider.startsWith('github:')) return codeSpan(decider.slice('github:'.length));
  return mentionOf(decider);
}

/** GitHub markdown (issue bodies, check runs, comments): names may sit in a table cell. */
export const MARKDOWN: ApproverMedium = {
  home: 'github',
  text: escapeMarkdown,
  githubUser: (login) => `@${escapeMarkdown(login)}`,
  githubTeam: (slug) => `@${escapeMarkdown(slug)}`,
  slackUser: (id) => `\`${id.replace(/[`|\r\n]/g, '')}\``,
  discordUser: (id) => `\`${id.replace(/[`|\r\n]/g, '')}\``,
  emailAddress: (address) => `\`${address.replace(/[`|\r\n]/g, '')}\``,
};

/**
 * GitHub markdown that notifies nobody: logins and teams in code spans, never `@`-mentions. For
 * replies to votes that did not count (which anyone can provoke as often as they like) and to a
 * refused close, where `@` would page the whole approver list.
 */
export const QUIET_MARKDOWN: ApproverMedium = {
  ...MARKDOWN,
  githubUser: (login) => codeSpan(login),
  githubTeam: (slug) => codeSpan(slug),
};

/** `text` as a code span; backticks and line breaks (which would end it) are dropped. */
export function codeSpan(text: string): string {
  return `\`${text.replace(/[`\r\n]/g, '')}\``;
}

/** "@alice, members of @acme/finance or anyone with maintain access or more" (sdk/describe-approvers.ts). */
export function describeApprovers(approvers: Approvers, medium: ApproverMedium = MARKDOWN): string {
  return describeApproversIn(approvers, medium);
}

/** Markdown syntax and table pipes in a name are shown, not interpreted. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]|<>#!~]/g, '\\$&');
}

/** One sentence per requirement: "big-payments: 2 approvals from @alice or members of @acme/finance". */
export function describeRequirements(
  requirements: readonly ReviewRequirement[],
  medium: ApproverMedium = MARKDOWN,
): string {
  return requirements
    .map((r) => {
      const n = `${r.count} approval${r.count === 1 ? '' : 's'}`;
      return `**${r.rule}**: ${n} from ${describeApprovers(r.approvers, medium)} (${r.approvedBy.length} so far)`;
    })
    .join('; ');
}
