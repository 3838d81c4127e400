import type { RequestHandler } from 'express';
import { z } from 'zod';
import { BODY_LIMITS, rawBodyOf, readBody } from '../http/read-body.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { RequestStore } from '../ports/request-store.js';
import type { RequestRecord } from '../ports/store.js';
import { AppError } from '../services/app-error.js';
import type { VoteOutcome, VoteService } from '../services/vote-service.js';
import { qualifySlackVoter } from './qualify-slack-voter.js';
import { APPROVE_ACTION_ID, DENY_ACTION_ID } from './render-slack-message.js';
import type { SlackApi } from './slack-api.js';
import { describeActor, describeApprovers, escapeMrkdwn } from './slack-text.js';
import { verifySlackSignature } from './verify-slack-signature.js';

export const SLACK_INTERACTIONS_PATH = '/api/slack/interactions';

export interface SlackInteractionsDeps {
  signingSecret: string;
  clock: Clock;
  log: Logger;
  store: RequestStore;
  votes: VoteService;
  slack: SlackApi;
}

/** The part of a `block_actions` payload this route reads. */
const PayloadSchema = z.object({
  type: z.string(),
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).default([]),
});

/**
 * `POST /api/slack/interactions`: Approve/Deny clicks. The signature is checked over the raw body
 * before anything is parsed; then the clicker's vote is cast like any other (quorum, audit, GitHub).
 * Slack wants an answer within 3 s, so the route answers at once and explains refusals to the
 * clicker afterwards, in a message only they see.
 */
export function createSlackInteractionsRoute(deps: SlackInteractionsDeps): RequestHandler[] {
  const raw = readBody(BODY_LIMITS.slack);
  const handle: RequestHandler = async (req, res) => {
    const rawBody = rawBodyOf(req) ?? Buffer.alloc(0);
    const check = verifySlackSignature({
      signingSecret: deps.signingSecret,
      timestamp: req.get('x-slack-request-timestamp'),
      signature: req.get('x-slack-signature'),
      rawBody,
      now: Math.floor(deps.clock.now().getTime() / 1000),
    });
    if (!check.ok) {
      deps.log.warn({ reason: check.reason }, 'refused a Slack interaction');
      throw new AppError('unauthorized', check.message);
    }
    const payload = parsePayload(rawBody);
    const action = payload.actions.find(
      (a) => a.action_id === APPROVE_ACTION_ID || a.action_id === DENY_ACTION_ID,
    );
    res.status(200).end();
    if (payload.type !== 'block_actions' || !action?.value) return;

    const userId = payload.user.id;
    const channel = payload.channel?.id ?? payload.container?.channel_id;
    const reply = await answerClick(deps, action.value, userId, action.action_id === APPROVE_ACTION_ID).catch(
      (error: unknown) => {
        deps.log.error({ err: error, userId }, 'could not handle a Slack click');
        return 'AgentGate could not record your vote just now; please try again in a moment.';
      },
    );
    if (reply && channel) {
      deps.slack
        .postEphemeral(channel, userId, reply)
        .catch((error: unknown) => deps.log.warn({ err: error, userId }, 'could not answer a Slack click'));
    }
  };
  return [raw, handle];
}

function parsePayload(rawBody: Buffer) {
  let json: unknown;
  try {
    json = JSON.parse(new URLSearchParams(rawBody.toString('utf8')).get('payload') ?? '');
  } catch {
    throw new AppError('bad_request', 'Expected a form body with a JSON "payload" field, as Slack sends.');
  }
  const parsed = PayloadSchema.safeParse(json);
  if (!parsed.success) throw new AppError('bad_request', 'The Slack payload has no user or actions.');
  return parsed.data;
}

/** Casts the click as a vote; returns what to tell the clicker, or null when the message update says it all. */
async function answerClick(
  deps: SlackInteractionsDeps,
  requestId: string,
  userId: string,
  approve: boolean,
): Promise<string | null> {
  const request = await deps.store.getRequest(requestId);
  if (!request) return `AgentGate has no request \`${escapeMrkdwn(requestId)}\`; nothing was recorded.`;
  const requirements = request.review?.requirements ?? [];
  const { qualifiesFor, refusal } = qualifySlackVoter(request, requirements, userId);
  let outcome: VoteOutcome;
  let current: RequestRecord;
  try {
    ({ outcome, request: current } = await deps.votes.castVote(requestId, {
      voter: `slack:${userId}`,
      decision: approve ? 'approve' : 'deny',
      reason: null,
      source: 'slack',
      qualifiesFor,
    }));
  } catch (error) {
    deps.log.error({ err: error, requestId, userId }, 'could not record a Slack vote');
    return 'AgentGate could not record your vote just now; please try again in a moment.';
  }
  deps.log.info({ requestId, userId, outcome }, 'Slack vote');
  switch (outcome) {
    case 'not_qualified':
      return refusal === 'requester'
        ? 'You cannot vote on this request: you asked for it (or it was made on your behalf). Another approver has to decide.'
        : `You are not an approver for this request, so your vote was not counted. Who can approve:\n${requirements
            .map((r) => `• *${escapeMrkdwn(r.rule)}*: ${describeApprovers(r.approvers)}`)
            .join('\n')}`;
    case 'not_pending': {
      const by = current.decidedBy ? ` by ${describeActor(current.decidedBy)}` : '';
      return `This request is already ${current.status}${by}; your vote was not counted.`;
    }
    case 'duplicate':
      return 'You have already approved this request; it is waiting for other approvers.';
    default:
      return null;
  }
}
