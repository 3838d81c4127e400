/**
 * The Discord message of a human-routed request, as reviewers see it (pure). The same function
 * renders every state, so an edit after a vote or a decision replaces the whole message (and takes
 * the buttons away once it is decided).
 */

import type { APIEmbedField } from 'discord-api-types/v10';
import { ButtonStyle, ComponentType } from 'discord-api-types/v10';
import { describeOverride, isOverride, OVERRIDE_LABEL } from '../../sdk/is-override.js';
import type { ApprovalRequest, ReviewRequirement } from '../../sdk/schemas.js';
import { progressOf } from '../approvals/tally-votes.js';
import { contextHeadingOf } from '../render/requester-facts.js';
import type { DiscordMessage } from './discord-api.js';
import {
  codeBlock,
  describeActor,
  describeApprovers,
  describeRequester,
  discordDate,
  escapeDiscord,
  truncate,
} from './discord-text.js';

/** `custom_id` of the buttons: `agentgate:approve:<request id>` (Discord allows 100 characters). */
export const DISCORD_BUTTON_PREFIX = 'agentgate';

export interface DiscordMessageInput {
  request: ApprovalRequest;
  /** Descriptions of rules by name, from the policy set the request was decided with (when known). */
  ruleDescriptions: ReadonlyMap<string, string | null>;
  /** Approve/Deny buttons: only with a bot application whose interactions reach this server. */
  interactive: boolean;
  /** `AGENTGATE_PUBLIC_URL`: the embed's title links to the request there; null leaves the link out. */
  publicUrl: string | null;
}

const STATUS: Record<ApprovalRequest['status'], { emoji: string; title: string; color: number }> = {
  pending: { emoji: '⏳', title: 'Approval needed', color: 0xf0b232 },
  approved: { emoji: '✅', title: 'Approved', color: 0x23a55a },
  denied: { emoji: '⛔', title: 'Denied', color: 0xda373c },
  expired: { emoji: '⏰', title: 'Expired', color: 0x80848e },
  cancelled: { emoji: '✖️', title: 'Cancelled', color: 0x80848e },
};

const URGENCY: Record<ApprovalRequest['urgency'], string> = {
  low: 'Low',
  normal: 'Normal',
  high: '🟠 High',
  critical: '🔴 Critical',
};

export function renderDiscordMessage({
  request,
  ruleDescriptions,
  interactive,
  publicUrl,
}: DiscordMessageInput): DiscordMessage {
  const requirements = request.review?.requirements ?? [];
  const { approvals, needed } = progressOf(requirements);
  const progress = `${approvals} of ${needed} approval${needed === 1 ? '' : 's'}`;
  const { emoji, title: status, color } = STATUS[request.status];
  const title = isOverride(request) ? `${status} by ${OVERRIDE_LABEL}` : status;
  const pending = request.status === 'pending';
  const action = escapeDiscord(request.action);

  // The params block gets what the rest leaves, so it is never cut from outside (an unclosed fence
  // would let its content render as Markdown).
  const head = truncate(
    [`**Action:** ${action}`, ...(pending ? [] : ['', outcomeOf(request)]), '', '**Parameters**'].join('\n'),
    LIMITS.description / 2,
  );
  const description = `${head}\n${
    Object.keys(request.params).length === 0
      ? '*none*'
      : codeBlock(JSON.stringify(request.params, null, 2), LIMITS.description - head.length - 20)
  }`;

  const fields: APIEmbedField[] = [
    { name: 'Urgency', value: URGENCY[request.urgency], inline: true },
    { name: 'Progress', value: progress, inline: true },
    pending
      ? {
          name: 'Expires',
          value: `${discordDate(request.expiresAt)} (${discordDate(request.expiresAt, 'R')})`,
          inline: true,
        }
      : { name: 'Requested', value: discordDate(request.createdAt), inline: true },
    { name: 'Requested by', value: field(describeRequester(request.requester), LIMITS.small) },
    ...onBehalfOf(request),
    ...(request.repository
      ? [{ name: 'Repository', value: field(escapeDiscord(request.repository)), inline: true }]
      : []),
    {
      name: 'Why it needs a human',
      value: field(requirements.map((r) => whyLine(r, ruleDescriptions)).join('\n') || '—', LIMITS.list),
    },
    {
      name: pending ? 'Who can approve' : 'Approvers',
      value: field(requirements.map(whoLine).join('\n') || '—', LIMITS.list),
    },
    ...votesField(request),
    ...contextField(request),
  ];

  const link = publicUrl ? `${publicUrl}/requests/${encodeURIComponent(request.id)}` : undefined;
  return {
    content: truncate(
      `${emoji} **${title}:** ${action}${pending ? ` (${request.urgency} urgency, ${progress})` : ''}`,
      2000,
    ),
    embeds: [
      {
        title: `${emoji} ${title}`,
        ...(link && { url: link }),
        description,
        color,
        fields,
        footer: {
          text: truncate(
            `Request ${request.id}${request.review?.url ? ` · review on GitHub: ${request.review.url}` : ''}`,
            LIMITS.footer,
          ),
        },
      },
    ],
    components: pending && interactive ? [buttons(request.id)] : [],
    allowed_mentions: { parse: [] },
  };
}

/**
 * Discord refuses an embed over 6,000 characters in all (and a field value over 1,024), so each
 * part has a share: description 2,000, two lists 700 each, votes and context 500 each, the small
 * fields 300 each — under 6,000 together with the titles and the footer, whatever an agent sends.
 */
const LIMITS = { description: 2000, list: 700, votes: 500, context: 500, small: 300, footer: 300 } as const;

const field = (text: string, max: number = LIMITS.small): string => truncate(text, max);

function onBehalfOf(request: ApprovalRequest): APIEmbedField[] {
  const who = request.context.onBehalfOf;
  return typeof who === 'string'
    ? [{ name: 'On behalf of (unverified)', value: field(describeActor(who)), inline: true }]
    : [];
}

function votesField(request: ApprovalRequest): APIEmbedField[] {
  const votes = request.review?.votes ?? [];
  if (votes.length === 0) return [];
  const lines = votes.map((v) => `${v.decision === 'approve' ? '✅' : '❌'} ${describeActor(v.voter)}`);
  return [{ name: 'Votes', value: field(lines.join(' · '), LIMITS.votes) }];
}

/** The agent's free-form context, labelled as its word (DESIGN §11); nothing when there is none. */
function contextField(request: Pick<ApprovalRequest, 'context' | 'requester'>): APIEmbedField[] {
  const shown = Object.fromEntries(Object.entries(request.context).filter(([k]) => k !== 'onBehalfOf'));
  if (Object.keys(shown).length === 0) return [];
  const heading = contextHeadingOf(request);
  return [
    {
      name: heading.title,
      value: field(`*${heading.note}*\n${codeBlock(JSON.stringify(shown, null, 2), 300)}`, LIMITS.context),
    },
  ];
}

function whyLine(requirement: ReviewRequirement, descriptions: ReadonlyMap<string, string | null>): string {
  const description =
    requirement.rule === 'default' && !descriptions.get('default')
      ? 'No rule decided it, and the defaults send it to a human.'
      : descriptions.get(requirement.rule);
  return `• **${escapeDiscord(requirement.rule)}**${description ? ` — ${escapeDiscord(description)}` : ''}`;
}

function whoLine(requirement: ReviewRequirement): string {
  const count = `${requirement.count} approval${requirement.count === 1 ? '' : 's'}`;
  const done =
    requirement.approvedBy.length > 0
      ? ` Approved by ${requirement.approvedBy.map(describeActor).join(', ')}.`
      : '';
  const self = requirement.allowRequester ? '' : ' The requester cannot approve.';
  return `• **${escapeDiscord(requirement.rule)}** needs ${count} from ${describeApprovers(requirement.approvers)}.${done}${self}`;
}

function outcomeOf(request: ApprovalRequest): string {
  const by = request.decidedBy ? describeActor(request.decidedBy) : 'someone';
  const when = request.decidedAt ? ` · ${discordDate(request.decidedAt)}` : '';
  const head =
    request.status === 'expired'
      ? `**Expired**${when}: nobody decided in time.`
      : `**${STATUS[request.status].title}** by ${by}${when}`;
  const override = isOverride(request)
    ? `\n⚠️ ${capitalize(describeOverride(request, (label) => `**${label}**`))}: the approvers below did not decide it.`
    : '';
  const reason =
    request.decisionReason && request.status !== 'expired'
      ? `\n> ${escapeDiscord(truncate(request.decisionReason, 500)).replaceAll('\n', '\n> ')}`
      : '';
  return `${head}${override}${reason}`;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function buttons(requestId: string): DiscordMessage['components'][number] {
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.Button,
        style: ButtonStyle.Success,
        label: 'Approve',
        custom_id: `${DISCORD_BUTTON_PREFIX}:approve:${requestId}`,
      },
      {
        type: ComponentType.Button,
        style: ButtonStyle.Danger,
        label: 'Deny',
        custom_id: `${DISCORD_BUTTON_PREFIX}:deny:${requestId}`,
      },
    ],
  };
}
