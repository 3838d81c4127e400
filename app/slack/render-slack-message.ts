/**
 * The Slack message of a human-routed request, as reviewers see it (pure). The same function
 * renders every state, so `chat.update` after a vote or a decision replaces the whole message.
 */

import { describeOverride, isOverride, OVERRIDE_LABEL } from '../../sdk/is-override.js';
import type { ApprovalRequest, ReviewRequirement } from '../../sdk/schemas.js';
import { progressOf } from '../approvals/tally-votes.js';
import { consoleRequestUrl } from '../render/github-links.js';
import { contextHeadingOf } from '../render/requester-facts.js';
import type { SlackBlock, SlackMessage } from './slack-api.js';
import {
  describeActor,
  describeApprovers,
  describeRequester,
  escapeMrkdwn,
  slackDate,
  truncate,
} from './slack-text.js';

export const APPROVE_ACTION_ID = 'agentgate_approve';
export const DENY_ACTION_ID = 'agentgate_deny';

export interface SlackMessageInput {
  request: ApprovalRequest;
  /** Descriptions of rules by name, from the policy set the request was decided with (when known). */
  ruleDescriptions: ReadonlyMap<string, string | null>;
  /** Approve/Deny buttons: only when Slack interactivity is configured (`SLACK_SIGNING_SECRET`). */
  interactive: boolean;
  /** `AGENTGATE_PUBLIC_URL`: the footer links the request's web console page; absent: no link. */
  serverUrl?: string | null;
}

const TITLES: Record<ApprovalRequest['status'], [string, string]> = {
  pending: [':hourglass_flowing_sand:', 'Approval needed'],
  approved: [':white_check_mark:', 'Approved'],
  denied: [':no_entry:', 'Denied'],
  expired: [':alarm_clock:', 'Expired'],
  cancelled: [':heavy_multiplication_x:', 'Cancelled'],
};

const URGENCY: Record<ApprovalRequest['urgency'], string> = {
  low: 'Low',
  normal: 'Normal',
  high: ':large_orange_circle: High',
  critical: ':red_circle: Critical',
};

export function renderSlackMessage({
  request,
  ruleDescriptions,
  interactive,
  serverUrl = null,
}: SlackMessageInput): SlackMessage {
  const requirements = request.review?.requirements ?? [];
  const { approvals, needed } = progressOf(requirements);
  const progress = `${approvals} of ${needed} approval${needed === 1 ? '' : 's'}`;
  const [emoji, status] = TITLES[request.status];
  const title = isOverride(request) ? `${status} by ${OVERRIDE_LABEL}` : status;
  const pending = request.status === 'pending';

  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${emoji} ${title}: ${request.action}`, 150), emoji: true },
    },
  ];
  if (!pending) blocks.push(mrkdwnSection(outcomeOf(request)));
  blocks.push({
    type: 'section',
    fields: [
      mrkdwn(`*Urgency*\n${URGENCY[request.urgency]}`),
      mrkdwn(`*Requested by*\n${describeRequester(request.requester)}`),
      ...onBehalfOf(request),
      ...(request.repository ? [mrkdwn(`*Repository*\n${escapeMrkdwn(request.repository)}`)] : []),
      mrkdwn(`*Progress*\n${progress}`),
      mrkdwn(
        pending
          ? `*Expires*\n${slackDate(request.expiresAt)}`
          : `*Requested*\n${slackDate(request.createdAt)}`,
      ),
    ],
  });
  blocks.push(mrkdwnSection(`*Parameters*\n${paramsBlock(request.params)}`));
  const context = contextBlock(request);
  if (context) blocks.push(mrkdwnSection(context));
  blocks.push(
    mrkdwnSection(
      `*Why it needs a human*\n${requirements.map((r) => whyLine(r, ruleDescriptions)).join('\n')}`,
    ),
  );
  blocks.push(
    mrkdwnSection(`*${pending ? 'Who can approve' : 'Approvers'}*\n${requirements.map(whoLine).join('\n')}`),
  );

  const votes = request.review?.votes ?? [];
  const footer = [
    ...(votes.length > 0
      ? [
          `Votes: ${votes.map((v) => `${v.decision === 'approve' ? ':white_check_mark:' : ':x:'} ${describeActor(v.voter)}`).join(' · ')}`,
        ]
      : []),
    [
      ...(serverUrl ? [`<${consoleRequestUrl(serverUrl, request.id)}|Open in AgentGate>`] : []),
      ...(request.review?.url ? [`<${request.review.url}|Review on GitHub>`] : []),
      `${serverUrl || request.review?.url ? 'request' : 'Request'} \`${escapeMrkdwn(request.id)}\``,
    ].join(' · '),
  ];
  blocks.push({ type: 'context', elements: footer.map(mrkdwn) });

  if (pending && interactive) blocks.push(buttons(request.id));
  return { text: fallbackText(request, title, progress), blocks };
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const mrkdwnSection = (text: string): SlackBlock => ({ type: 'section', text: mrkdwn(truncate(text, 3000)) });

function onBehalfOf(request: ApprovalRequest) {
  const who = request.context.onBehalfOf;
  return typeof who === 'string' ? [mrkdwn(`*On behalf of* (unverified)\n${describeActor(who)}`)] : [];
}

/** The agent's free-form context, labelled as its word (DESIGN §11); null when there is none. */
function contextBlock(request: Pick<ApprovalRequest, 'context' | 'requester'>): string | null {
  const shown = Object.fromEntries(Object.entries(request.context).filter(([k]) => k !== 'onBehalfOf'));
  if (Object.keys(shown).length === 0) return null;
  const heading = contextHeadingOf(request);
  return (
    `*${heading.title}*\n_${heading.note}_\n` +
    `\`\`\`${truncate(escapeMrkdwn(JSON.stringify(shown, null, 2)), 1500)}\`\`\``
  );
}

function paramsBlock(params: Record<string, unknown>): string {
  if (Object.keys(params).length === 0) return '_none_';
  return `\`\`\`${truncate(escapeMrkdwn(JSON.stringify(params, null, 2)), 2800)}\`\`\``;
}

function whyLine(requirement: ReviewRequirement, descriptions: ReadonlyMap<string, string | null>): string {
  const description =
    requirement.rule === 'default' && !descriptions.get('default')
      ? 'No rule decided it, and the defaults send it to a human.'
      : descriptions.get(requirement.rule);
  return `• *${escapeMrkdwn(requirement.rule)}*${description ? ` — ${escapeMrkdwn(description)}` : ''}`;
}

function whoLine(requirement: ReviewRequirement): string {
  const count = `${requirement.count} approval${requirement.count === 1 ? '' : 's'}`;
  const done =
    requirement.approvedBy.length > 0
      ? ` Approved by ${requirement.approvedBy.map(describeActor).join(', ')}.`
      : '';
  const self = requirement.allowRequester ? '' : ' The requester cannot approve.';
  return `• *${escapeMrkdwn(requirement.rule)}* needs ${count} from ${describeApprovers(requirement.approvers)}.${done}${self}`;
}

function outcomeOf(request: ApprovalRequest): string {
  const by = request.decidedBy ? describeActor(request.decidedBy) : 'someone';
  const when = request.decidedAt ? ` · ${slackDate(request.decidedAt)}` : '';
  const head =
    request.status === 'expired'
      ? `*Expired*${when}: nobody decided in time.`
      : `*${TITLES[request.status][1]}* by ${by}${when}`;
  const override = isOverride(request)
    ? `\n:warning: ${capitalize(describeOverride(request, (label) => `*${label}*`))}: the approvers below did not decide it.`
    : '';
  const reason =
    request.decisionReason && request.status !== 'expired'
      ? `\n> ${escapeMrkdwn(request.decisionReason)}`
      : '';
  return `${head}${override}${reason}`;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function buttons(requestId: string): SlackBlock {
  return {
    type: 'actions',
    block_id: 'agentgate_decision',
    elements: [
      {
        type: 'button',
        action_id: APPROVE_ACTION_ID,
        text: { type: 'plain_text', text: 'Approve', emoji: true },
        style: 'primary',
        value: requestId,
      },
      {
        type: 'button',
        action_id: DENY_ACTION_ID,
        text: { type: 'plain_text', text: 'Deny', emoji: true },
        style: 'danger',
        value: requestId,
        confirm: {
          title: { type: 'plain_text', text: 'Deny this request?' },
          text: {
            type: 'plain_text',
            text: 'One qualified deny is final: the agent will not be allowed to act.',
          },
          confirm: { type: 'plain_text', text: 'Deny' },
          deny: { type: 'plain_text', text: 'Keep it pending' },
        },
      },
    ],
  };
}

/** What notifications and screen readers show. */
function fallbackText(request: ApprovalRequest, title: string, progress: string): string {
  const action = escapeMrkdwn(request.action);
  if (request.status === 'pending') return `${title}: ${action} (${request.urgency} urgency, ${progress})`;
  return `${title}: ${action}${request.decidedBy ? ` by ${describeActor(request.decidedBy)}` : ''}`;
}
