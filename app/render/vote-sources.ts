/**
 * Every vote on a request with the review, comment or button it came from (issue #15: "the check
 * run and the issue show, for every approval, the review or comment it came from"), so a reviewer
 * can open the exact action that approved. Logins are shown in code spans, never as @-mentions
 * (nobody is notified by a status page). Pure.
 */
import type { Vote } from '../../sdk/schemas.js';

// Own copies of issue-body.ts's helpers: issue-body.ts renders this section (no import cycle).
const code = (text: string): string => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);
const utc = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** Only plain http(s) links are rendered as links: a URL never breaks out of the markdown. */
const SAFE_URL = /^https?:\/\/[^\s()<>[\]"'`]+$/;

function voterOf(voter: string): string {
  if (voter.startsWith('github:')) return code(voter.slice('github:'.length));
  if (voter.startsWith('slack:')) return `Slack user ${code(voter.slice('slack:'.length))}`;
  if (voter.startsWith('discord:')) return `Discord user ${code(voter.slice('discord:'.length))}`;
  if (voter.startsWith('email:')) return code(voter.slice('email:'.length));
  return code(voter);
}

function howCast(vote: Vote): string {
  const approve = vote.decision === 'approve';
  switch (vote.source) {
    case 'github:review':
      return approve ? 'approving pull request review' : 'pull request review requesting changes';
    case 'github:comment':
      return `${code(`/${vote.decision}`)} comment`;
    case 'github:check_run':
      return `${approve ? '**Approve**' : '**Deny**'} button of the check run`;
    case 'slack':
      return 'Slack';
    case 'discord':
      return `${approve ? '**Approve**' : '**Deny**'} button on Discord`;
    case 'email':
      return 'decision link in an email';
    case 'console':
      return 'the AgentGate web console';
    default:
      return code(vote.source);
  }
}

/** One line per vote, oldest first: `- ✅ `mona` approved — [approving pull request review](…), <time>`. */
export function renderVoteLines(votes: readonly Vote[]): string[] {
  return votes.map((vote) => {
    const how = howCast(vote);
    const url = vote.url ?? null; // rows stored before votes recorded it have none
    const source = url && SAFE_URL.test(url) ? `[${how}](${url})` : how;
    const verb = vote.decision === 'approve' ? '✅ approved' : '❌ denied';
    return `- ${verb} by ${voterOf(vote.voter)} — ${source}, ${utc(vote.createdAt)}`;
  });
}

/** The `### Votes` section of the check run and the issue body; empty without votes. */
export function renderVotesSection(votes: readonly Vote[] | undefined): string[] {
  if (!votes || votes.length === 0) return [];
  return ['', '### Votes', '', ...renderVoteLines(votes)];
}
