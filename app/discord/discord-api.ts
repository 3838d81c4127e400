/**
 * What the Discord mirror needs from Discord: post a message and edit it in place. Two adapters:
 * the bot (REST API with `DISCORD_BOT_TOKEN`, any channel, buttons) in
 * `app/adapters/discord-rest-api.ts`, and an incoming webhook (`DISCORD_WEBHOOK_URL`, its own
 * channel, no buttons) in `app/adapters/discord-webhook-api.ts`.
 */
import type { APIActionRowComponent, APIButtonComponent, APIEmbed } from 'discord-api-types/v10';

export interface DiscordMessage {
  /** Notification text; Discord shows it above the embed. */
  content: string;
  embeds: APIEmbed[];
  /** Approve/Deny buttons while pending; an empty list removes them. */
  components: APIActionRowComponent<APIButtonComponent>[];
  /** Always `{parse: []}`: nothing an agent writes can ping anyone. */
  allowed_mentions: { parse: [] };
}

export interface DiscordApi {
  /**
   * `bot`: posts in the channel ids it is given. `webhook`: the webhook decides the channel, so the
   * mirror posts once, under the channel key `webhook`.
   */
  readonly mode: 'bot' | 'webhook';
  /** Posts a message; answers the channel id and the message id (what an edit needs). */
  postMessage(channelId: string, message: DiscordMessage): Promise<{ channelId: string; messageId: string }>;
  /** Replaces a posted message's content, embeds and buttons. */
  editMessage(channelId: string, messageId: string, message: DiscordMessage): Promise<void>;
}

/** Discord refused a call: `status` is the HTTP status, `code` Discord's JSON error code when given. */
export class DiscordApiError extends Error {
  override name = 'DiscordApiError';
  constructor(
    readonly status: number,
    readonly code: number | null,
    message: string,
  ) {
    super(message);
  }
}
