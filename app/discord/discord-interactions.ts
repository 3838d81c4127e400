import type { KeyObject } from 'node:crypto';
import { InteractionResponseType, InteractionType, MessageFlags } from 'discord-api-types/v10';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { rawBodyOf, readBody } from '../http/read-body.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { PolicyProvider } from '../ports/policy-provider.js';
import type { RequestStore } from '../ports/request-store.js';
import { AppError } from '../services/app-error.js';
import { ruleDescriptionsOf } from '../services/rule-descriptions.js';
import type { VoteService } from '../services/vote-service.js';
import { describeActor, describeApprovers, escapeDiscord } from './discord-text.js';
import { qualifyDiscordVoter } from './qualify-discord-voter.js';
import { DISCORD_BUTTON_PREFIX, renderDiscordMessage } from './render-discord-message.js';
import { verifyDiscordSignature } from './verify-discord-signature.js';

export const DISCORD_INTERACTIONS_PATH = '/api/discord/interactions';

/** Largest interaction body: one button click is a few kilobytes (it carries the message). */
const DISCORD_BODY_LIMIT = 256 * 1024;

export interface DiscordInteractionsDeps {
  publicKey: KeyObject;
  /** `DISCORD_APPLICATION_ID`: interactions for another application are refused. */
  applicationId: string | null;
  clock: Clock;
  log: Logger;
  store: RequestStore;
  votes: VoteService;
  policies: PolicyProvider;
  publicUrl: string | null;
  /** Counts clicks by outcome, for `/metrics`. */
  count(outcome: string): void;
}

const UserSchema = z.object({ id: z.string().regex(/^\d{1,20}$/), bot: z.boolean().optional() });

/** The part of an interaction this route reads. */
const InteractionSchema = z.object({
  type: z.number().int(),
  application_id: z.string().optional(),
  data: z.object({ custom_id: z.string().max(100).optional() }).optional(),
  member: z.object({ user: UserSchema }).optional(),
  user: UserSchema.optional(),
});

const BUTTON = new RegExp(`^${DISCORD_BUTTON_PREFIX}:(approve|deny):(.{1,80})$`);

type InteractionAnswer = Record<string, unknown>;

/** Discord wants an answer within 3 s: rule descriptions (maybe fetched from GitHub) may take 1 s at most. */
const DESCRIPTIONS_WAIT_MS = 1000;

async function descriptionsWithin(
  policies: PolicyProvider,
  request: Parameters<typeof ruleDescriptionsOf>[1],
): Promise<ReadonlyMap<string, string | null>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ReadonlyMap<string, string | null>>((resolve) => {
    timer = setTimeout(() => resolve(new Map()), DESCRIPTIONS_WAIT_MS);
  });
  try {
    return await Promise.race([ruleDescriptionsOf(policies, request), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A message only the clicker sees. */
const ephemeral = (content: string): InteractionAnswer => ({
  type: InteractionResponseType.ChannelMessageWithSource,
  data: { content, flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } },
});

/**
 * `POST /api/discord/interactions`: Discord's PING and Approve/Deny clicks. The Ed25519 signature
 * is checked over the raw body before anything is parsed (Discord itself sends forged requests when
 * the endpoint is saved, and disables an endpoint that accepts them). A click is cast as a vote like
 * any other (quorum, audit, GitHub, Slack); a counted one answers with the message as it now is,
 * and anything else with an ephemeral message saying why and who can decide.
 */
export function createDiscordInteractionsRoute(deps: DiscordInteractionsDeps): RequestHandler[] {
  const raw = readBody(DISCORD_BODY_LIMIT);
  const handle: RequestHandler = async (req, res) => {
    const check = verifyDiscordSignature({
      publicKey: deps.publicKey,
      timestamp: req.get('x-signature-timestamp'),
      signature: req.get('x-signature-ed25519'),
      rawBody: rawBodyOf(req) ?? Buffer.alloc(0),
      now: Math.floor(deps.clock.now().getTime() / 1000),
    });
    if (!check.ok) {
      deps.count(`refused_${check.reason}`);
      deps.log.warn({ reason: check.reason }, 'refused a Discord interaction');
      throw new AppError('unauthorized', check.message);
    }
    const interaction = parseInteraction(rawBodyOf(req) ?? Buffer.alloc(0));
    if (
      deps.applicationId &&
      interaction.application_id &&
      interaction.application_id !== deps.applicationId
    ) {
      deps.count('refused_application');
      throw new AppError('unauthorized', 'This interaction is for another Discord application.');
    }
    res.json(await answer(deps, interaction));
  };
  return [raw, handle];
}

function parseInteraction(rawBody: Buffer): z.infer<typeof InteractionSchema> {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new AppError('bad_request', 'Expected a JSON interaction, as Discord sends.');
  }
  const parsed = InteractionSchema.safeParse(json);
  if (!parsed.success) throw new AppError('bad_request', 'The Discord interaction has no numeric type.');
  return parsed.data;
}

async function answer(
  deps: DiscordInteractionsDeps,
  interaction: z.infer<typeof InteractionSchema>,
): Promise<InteractionAnswer> {
  if (interaction.type === InteractionType.Ping) return { type: InteractionResponseType.Pong };
  const button = interaction.data?.custom_id?.match(BUTTON);
  const user = interaction.member?.user ?? interaction.user;
  if (interaction.type !== InteractionType.MessageComponent || !button || !user) {
    deps.count('ignored');
    return ephemeral('AgentGate only answers its own Approve and Deny buttons.');
  }
  const [, decision, requestId] = button as unknown as [string, 'approve' | 'deny', string];
  try {
    return await castClick(deps, requestId, { id: user.id, bot: user.bot === true }, decision);
  } catch (error) {
    deps.count('error');
    deps.log.error({ err: error, requestId, userId: user.id }, 'could not record a Discord vote');
    return ephemeral('AgentGate could not record your vote just now; please try again in a moment.');
  }
}

async function castClick(
  deps: DiscordInteractionsDeps,
  requestId: string,
  user: { id: string; bot: boolean },
  decision: 'approve' | 'deny',
): Promise<InteractionAnswer> {
  const request = await deps.store.getRequest(requestId);
  if (!request) {
    deps.count('unknown_request');
    return ephemeral(`AgentGate has no request ${escapeDiscord(requestId)}; nothing was recorded.`);
  }
  const requirements = request.review?.requirements ?? [];
  const { qualifiesFor, refusal } = qualifyDiscordVoter(request, requirements, user);
  const { outcome, request: current } = await deps.votes.castVote(requestId, {
    voter: `discord:${user.id}`,
    decision,
    reason: null,
    source: 'discord',
    qualifiesFor,
  });
  deps.count(outcome);
  deps.log.info({ requestId, userId: user.id, outcome }, 'Discord vote');
  switch (outcome) {
    case 'not_qualified':
      return ephemeral(
        refusal === 'requester'
          ? 'You cannot vote on this request: you asked for it (or it was made on your behalf). Another approver has to decide.'
          : `${refusal === 'bot' ? 'Bots cannot vote.' : 'You are not an approver for this request, so your vote was not counted.'} Who can decide:\n${requirements
              .map((r) => `• **${escapeDiscord(r.rule)}**: ${describeApprovers(r.approvers)}`)
              .join('\n')}`,
      );
    case 'not_pending': {
      const by = current.decidedBy ? ` by ${describeActor(current.decidedBy)}` : '';
      return ephemeral(`This request is already ${current.status}${by}; your vote was not counted.`);
    }
    case 'duplicate':
      return ephemeral('You have already approved this request; it is waiting for other approvers.');
    default: {
      // Counted: the clicked message shows the new state at once; the sync job edits the others.
      const message = renderDiscordMessage({
        request: current,
        ruleDescriptions: await descriptionsWithin(deps.policies, current),
        interactive: true,
        publicUrl: deps.publicUrl,
      });
      return { type: InteractionResponseType.UpdateMessage, data: message };
    }
  }
}
