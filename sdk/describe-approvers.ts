/**
 * Who can approve, in one wording for every place a person or an agent reads it: the GitHub issue
 * and check run, Slack, the policy engine's reason, the MCP tools and the Action's log. Only how
 * names are written differs by medium (a mention, an escape); the words do not. Pure.
 *
 * @example
 * describeApprovers({ users: ['alice'], teams: ['acme/finance'], permission: 'maintain' });
 * // "alice, members of acme/finance or anyone with maintain access or more"
 */
import type { Approvers } from './schemas.js';

/** How one medium writes names; the wording around them is fixed. */
export interface ApproverMedium {
  /**
   * Where the reader votes. Approvers there come first, and need no "on GitHub"/"on Slack" unless
   * approvers elsewhere are listed too.
   */
  home: 'github' | 'slack' | 'discord' | 'email';
  /** Free text (a permission name) made safe for the medium. */
  text(text: string): string;
  /** A GitHub login (without "@"). */
  githubUser(login: string): string;
  /** A GitHub team slug, `org/team`. */
  githubTeam(slug: string): string;
  /** A Slack user id. */
  slackUser(id: string): string;
  /** A Discord user id (default: as `text`). */
  discordUser?(id: string): string;
  /** An approver's email address (default: as `text`). */
  emailAddress?(address: string): string;
}

/**
 * Plain text: logs, agent-facing text, stored reasons. It never writes `@name`: a stored reason is
 * shown again in markdown (an issue, a pull request comment), where `@` would notify people.
 */
export const PLAIN_TEXT: ApproverMedium = {
  home: 'github',
  text: (text) => text,
  githubUser: (login) => login,
  githubTeam: (slug) => slug,
  slackUser: (id) => id,
};

/** "alice, members of acme/finance or anyone with maintain access or more" (in plain text). */
export function describeApprovers(approvers: Approvers, medium: ApproverMedium = PLAIN_TEXT): string {
  const github = [
    ...(approvers.users ?? []).map((login) => medium.githubUser(login.replace(/^@/, ''))),
    ...(approvers.teams ?? []).map((slug) => `members of ${medium.githubTeam(slug.replace(/^@/, ''))}`),
    ...(approvers.permission
      ? [
          approvers.permission === 'admin'
            ? `anyone with ${medium.text('admin')} access`
            : approvers.permission === 'read'
              ? // Anyone can read a public repository; only collaborators qualify (docs/github-app.md).
                `any collaborator with ${medium.text('read')} access or more`
              : `anyone with ${medium.text(approvers.permission)} access or more`,
        ]
      : []),
  ];
  const slack = (approvers.slack ?? []).map((id) => medium.slackUser(id));
  const discord = (approvers.discord ?? []).map((id) => (medium.discordUser ?? medium.text)(id));
  const email = (approvers.email ?? []).map((address) => (medium.emailAddress ?? medium.text)(address));
  const groups = [
    { where: 'github', names: github, place: 'on GitHub' },
    { where: 'slack', names: slack, place: 'on Slack' },
    { where: 'discord', names: discord, place: 'on Discord' },
    { where: 'email', names: email, place: 'by email' },
  ]
    .filter((group) => group.names.length > 0)
    .sort((a, b) => Number(b.where === medium.home) - Number(a.where === medium.home));
  if (groups.length === 0) return 'nobody (the rule names no approvers)';
  const [only] = groups;
  if (groups.length === 1 && only?.where === medium.home) return orList(only.names);
  return groups.map((group) => `${orList(group.names)} ${group.place}`).join(', or ');
}

/** "a", "a or b", "a, b or c". */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
