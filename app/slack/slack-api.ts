/** What the Slack mirror needs from Slack's Web API (the adapter is `app/adapters/slack-web-api.ts`). */

export interface SlackMessage {
  /** Notification and accessibility fallback. */
  text: string;
  blocks: SlackBlock[];
}

/** A Block Kit block, as sent: plain data. */
export type SlackBlock = Record<string, unknown>;

export interface SlackApi {
  /** Posts to a channel (name or id); answers the channel id and the message's `ts`. */
  postMessage(channel: string, message: SlackMessage): Promise<{ channelId: string; ts: string }>;
  /** Replaces a posted message in place. */
  update(channelId: string, ts: string, message: SlackMessage): Promise<void>;
  /** A message only `user` sees, in `channel`. */
  postEphemeral(channel: string, user: string, text: string): Promise<void>;
}

/** Slack answered `{ok: false, error}`: `error` is Slack's code, e.g. `channel_not_found`. */
export class SlackPlatformError extends Error {
  override name = 'SlackPlatformError';
  constructor(
    readonly method: string,
    readonly error: string,
  ) {
    super(`Slack ${method} failed: ${error}`);
  }
}
