/** Small pure helpers for Slack mrkdwn: escaping, mentions, dates, who decided. */
import type { Approvers, Requester } from '../../sdk/schemas.js';

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
  return `${escapeMrkdwn(requester.actor)} via GitHub Actions (\`${escapeMrkdwn(requester.workflow)}\` in ${escapeMrkdwn(requester.repository)})`;
}

/** "<@U1> or <@U2> on Slack; alice, team acme/finance or anyone with maintain on GitHub". */
export function describeApprovers(approvers: Approvers): string {
  const onSlack = (approvers.slack ?? []).map(mention);
  const onGitHub = [
    ...(approvers.users ?? []).map((u) => escapeMrkdwn(u.replace(/^@/, ''))),
    ...(approvers.teams ?? []).map((t) => `team ${escapeMrkdwn(t)}`),
    ...(approvers.permission ? [`anyone with ${approvers.permission} access`] : []),
  ];
  const parts = [
    ...(onSlack.length > 0 ? [`${orList(onSlack)} on Slack`] : []),
    ...(onGitHub.length > 0 ? [`${orList(onGitHub)} on GitHub`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : 'nobody is listed';
}

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** Cuts text to `max` characters, saying so. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 14)}… (truncated)`;
}
