/**
 * Small pure helpers for Discord markdown: escaping, mentions, timestamps, who decided. Text an
 * agent controls (action, params, reasons, context) is escaped so it can never format, link,
 * mention or break out of a code block; messages also go out with `allowed_mentions: {parse: []}`.
 */
import {
  type ApproverMedium,
  describeApprovers as describeApproversIn,
} from '../../sdk/describe-approvers.js';
import type { Approvers, Requester } from '../../sdk/schemas.js';
import { triggerOf, VERIFIED_BY_DEPLOYMENT, VERIFIED_BY_TOKEN } from '../render/requester-facts.js';

const ZERO_WIDTH_SPACE = '\u200b';

/**
 * Markdown characters are shown, not interpreted: `*`, `_`, `~`, `|`, `` ` ``, `#`, `-`, `>`,
 * brackets (masked links), `<` (mentions, `<t:…>`, `<#channel>`); `@everyone` and `@here` are
 * broken with a zero-width space, so they read as text even where mentions would be parsed.
 */
export function escapeDiscord(text: string): string {
  return text.replace(/[\\`*_~|<>#\-[\]()]/g, '\\$&').replace(/@(everyone|here)/gi, `@${ZERO_WIDTH_SPACE}$1`);
}

/** Text for inside a ``` block: a backtick run can never close the block early. */
export function codeBlock(text: string, max: number): string {
  const inert = text.replaceAll('`', `\`${ZERO_WIDTH_SPACE}`);
  return `\`\`\`json\n${truncate(inert, max)}\n\`\`\``;
}

/** Cuts text to `max` characters, saying so. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 14)}… (truncated)`;
}

const SNOWFLAKE = /^\d{17,20}$/;

/** `<@id>` for a Discord user id (shown as the name; never a ping, see `allowed_mentions`). */
const mention = (userId: string): string => (SNOWFLAKE.test(userId) ? `<@${userId}>` : escapeDiscord(userId));

/** Discord renders `<t:unix:f>` in the reader's time zone; `R` as "in 2 hours". */
export function discordDate(iso: string, style: 'f' | 'R' = 'f'): string {
  return `<t:${Math.floor(new Date(iso).getTime() / 1000)}:${style}>`;
}

/** `decidedBy`/voter in words: `discord:1…` → a mention, `github:alice` → alice on GitHub. */
export function describeActor(actor: string): string {
  const [kind, ...rest] = actor.split(':');
  const name = rest.join(':');
  switch (kind) {
    case 'discord':
      return mention(name);
    case 'github':
      return `${escapeDiscord(name)} on GitHub`;
    case 'slack':
      return `Slack user ${escapeDiscord(name)}`;
    case 'email':
      return escapeDiscord(name);
    case 'api':
      return `API key ${escapeDiscord(name)}`;
    case 'system':
      return name === 'expiry' ? 'expiry' : escapeDiscord(actor);
    default:
      return escapeDiscord(actor);
  }
}

export function describeRequester(requester: Requester): string {
  if (requester.type === 'api_key') return `API key ${escapeDiscord(requester.name)}`;
  if (requester.type === 'github_deployment') {
    return (
      `${escapeDiscord(requester.actor)} deploying ${escapeDiscord(requester.ref)} to environment ` +
      `${escapeDiscord(requester.environment)} (${escapeDiscord(requester.repository)}, run ${escapeDiscord(requester.runId)}) — ✅ ${VERIFIED_BY_DEPLOYMENT}`
    );
  }
  const { event, pullRequest, ref, environment } = triggerOf(requester);
  const facts = [
    ...(event ? [escapeDiscord(event)] : []),
    ...(pullRequest !== null ? [`pull request #${pullRequest}`] : ref ? [escapeDiscord(ref)] : []),
    ...(environment ? [`environment ${escapeDiscord(environment)}`] : []),
  ];
  return (
    `${escapeDiscord(requester.actor)} via GitHub Actions (${escapeDiscord(requester.workflowRef || requester.workflow)} in ${escapeDiscord(requester.repository)}` +
    `${facts.length > 0 ? `; ${facts.join(', ')}` : ''}) — ✅ ${VERIFIED_BY_TOKEN}`
  );
}

/** Discord markdown: Discord users as mentions, everything else escaped. */
const DISCORD_MARKDOWN: ApproverMedium = {
  home: 'discord',
  text: escapeDiscord,
  githubUser: escapeDiscord,
  githubTeam: escapeDiscord,
  slackUser: escapeDiscord,
  discordUser: mention,
  emailAddress: escapeDiscord,
};

/** "<@1…> or <@2…>, or alice on GitHub" (sdk/describe-approvers.ts). */
export function describeApprovers(approvers: Approvers): string {
  return describeApproversIn(approvers, DISCORD_MARKDOWN);
}
