/** Small pure helpers for Slack mrkdwn: escaping, mentions, dates, who decided. */
import {
  type ApproverMedium,
  describeApprovers as describeApproversIn,
} from '../../sdk/describe-approvers.js';
import type { Approvers, Requester } from '../../sdk/schemas.js';
import { triggerOf, VERIFIED_BY_DEPLOYMENT, VERIFIED_BY_TOKEN } from '../render/requester-facts.js';

/**
 * Slack reads `<…>` as links and mentions (`<!channel>`, `<@U…>`), so text an agent controls
 * (action, params, reasons) is escaped: a request can never ping a channel or fake a link.
 */
export const escapeMrkdwn = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

const SLACK_ID = /^[UW][A-Z0-9]{2,}$/;

/** `<@U123>` for a Slack user id, the escaped text otherwise. */
const mention = (userId: string): string => (SLACK_ID.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId));

/** Slack renders this in the reader's time zone; the fallback is UTC. */
export function slackDate(iso: string): string {
  const time = new Date(iso);
  const fallback = `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(time.getTime() / 1000)}^{date_short_pretty} at {time}|${fallback}>`;
}

/** `decidedBy`/voter in words: `slack:U1` → a mention, `github:alice` → alice on GitHub. */
export function describeActor(actor: string): string {
  const [kind, ...rest] = actor.split(':');
  const name = rest.join(':');
  switch (kind) {
    case 'slack':
      return mention(name);
    case 'github':
      return `${escapeMrkdwn(name)} on GitHub`;
    case 'discord':
      return `Discord user ${escapeMrkdwn(name)}`;
    case 'email':
      return escapeMrkdwn(name);
    case 'api':
      return `API key \`${escapeMrkdwn(name)}\``;
    case 'system':
      return name === 'expiry' ? 'expiry' : escapeMrkdwn(actor);
    default:
      return escapeMrkdwn(actor);
  }
}

export function describeRequester(requester: Requester): string {
  if (requester.type === 'api_key') return `API key \`${escapeMrkdwn(requester.name)}\``;
  if (requester.type === 'github_deployment') {
    return (
      `${escapeMrkdwn(requester.actor)} deploying \`${escapeMrkdwn(requester.ref)}\` to environment ` +
      `\`${escapeMrkdwn(requester.environment)}\` (${escapeMrkdwn(requester.repository)}, run ${escapeMrkdwn(requester.runId)}) — ` +
      `:white_check_mark: ${VERIFIED_BY_DEPLOYMENT}`
    );
  }
  const { event, pullRequest, ref, environment } = triggerOf(requester);
  const facts = [
    ...(event ? [`\`${escapeMrkdwn(event)}\``] : []),
    ...(pullRequest !== null ? [`pull request #${pullRequest}`] : ref ? [`\`${escapeMrkdwn(ref)}\``] : []),
    ...(environment ? [`environment \`${escapeMrkdwn(environment)}\``] : []),
  ];
  return (
    `${escapeMrkdwn(requester.actor)} via GitHub Actions (\`${escapeMrkdwn(requester.workflowRef || requester.workflow)}\` in ${escapeMrkdwn(requester.repository)}` +
    `${facts.length > 0 ? `; ${facts.join(', ')}` : ''}) — :white_check_mark: ${VERIFIED_BY_TOKEN}`
  );
}

/** Slack mrkdwn: Slack users as mentions, everything else escaped. */
export const SLACK_MRKDWN: ApproverMedium = {
  home: 'slack',
  text: escapeMrkdwn,
  githubUser: (login) => `@${escapeMrkdwn(login)}`,
  githubTeam: (slug) => `@${escapeMrkdwn(slug)}`,
  slackUser: mention,
};

/** "<@U1> or <@U2> on Slack, or @alice on GitHub" (sdk/describe-approvers.ts). */
export function describeApprovers(approvers: Approvers): string {
  return describeApproversIn(approvers, SLACK_MRKDWN);
}

/** Cuts text to `max` characters, saying so. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 14)}… (truncated)`;
}
