import type { IntegrationFactory } from '../integration.js';
import { AppError } from '../services/app-error.js';
import type { DiscordApi } from './discord-api.js';
import { createDiscordInteractionsRoute, DISCORD_INTERACTIONS_PATH } from './discord-interactions.js';
import { DISCORD_SYNC_JOB, DiscordMirror } from './discord-mirror.js';
import { discordPublicKey } from './verify-discord-signature.js';

export interface DiscordOptions {
  /** The bot's REST API (`DISCORD_BOT_TOKEN`) or an incoming webhook (`DISCORD_WEBHOOK_URL`), built by app/main.ts. */
  api: DiscordApi;
  /** `DISCORD_PUBLIC_KEY` (hex): Approve/Deny buttons and `POST /api/discord/interactions`; null for a read-only mirror. */
  publicKey: string | null;
  /** `DISCORD_APPLICATION_ID`: interactions naming another application are refused. */
  applicationId: string | null;
  /** `DISCORD_CHANNEL_ID`: where requests go whose rules name no `notify.discord` channel. */
  channel: string | null;
  /** `AGENTGATE_PUBLIC_URL`: each message links to its request there. */
  publicUrl: string | null;
  /** Attempts of one message post/edit before giving up (default 10: about 40 minutes). */
  maxAttempts?: number;
  baseDelayMs?: number;
}

/** A fixed-label counter's store: totals by outcome. */
function tally(): { count(outcome: string): void; read(): Record<string, number> } {
  const totals: Record<string, number> = {};
  return {
    count: (outcome) => {
      totals[outcome] = (totals[outcome] ?? 0) + 1;
    },
    read: () => ({ ...totals }),
  };
}

/** The Discord mirror and its buttons as an integration (plugged in with a bot token or a webhook URL). */
export function discordIntegration(options: DiscordOptions): IntegrationFactory {
  return ({ store, clock, log, policies, votes }) => {
    // Buttons need a bot (webhook messages cannot carry them) and the key that verifies the clicks.
    const publicKey =
      options.publicKey && options.api.mode === 'bot' ? discordPublicKey(options.publicKey) : null;
    const messages = tally();
    const clicks = tally();
    const mirror = new DiscordMirror({
      store,
      clock,
      log,
      discord: options.api,
      policies,
      defaultChannel: options.channel,
      interactive: publicKey !== null,
      publicUrl: options.publicUrl,
      count: messages.count,
    });
    return {
      name: 'discord',
      reactor: mirror.reactor,
      jobKinds: {
        [DISCORD_SYNC_JOB]: {
          handle: (job) => mirror.handle(job),
          maxAttempts: options.maxAttempts ?? 10,
          baseDelayMs: options.baseDelayMs ?? 5000,
          maxDelayMs: 600_000,
        },
      },
      mountRaw(app) {
        if (publicKey) {
          app.post(
            DISCORD_INTERACTIONS_PATH,
            ...createDiscordInteractionsRoute({
              publicKey,
              applicationId: options.applicationId,
              clock,
              log,
              store,
              votes,
              policies,
              publicUrl: options.publicUrl,
              count: clicks.count,
            }),
          );
        } else {
          app.post(DISCORD_INTERACTIONS_PATH, () => {
            throw new AppError(
              'not_found',
              'Discord interactions are not configured on this server; set DISCORD_BOT_TOKEN, DISCORD_APPLICATION_ID and DISCORD_PUBLIC_KEY to enable the buttons.',
            );
          });
        }
      },
      counters: [
        {
          name: 'agentgate_discord_messages_total',
          help: 'Discord messages by outcome: posted, edited, failed (retried through the job queue).',
          label: 'outcome',
          read: messages.read,
        },
        {
          name: 'agentgate_discord_interactions_total',
          help: 'Discord button clicks by outcome: approved, denied, counted, duplicate, not_qualified, not_pending, refused_* (bad signature), ignored, error.',
          label: 'outcome',
          read: clicks.read,
        },
      ],
      health: () => ({ mode: options.api.mode, channel: options.channel, interactive: publicKey !== null }),
    };
  };
}
