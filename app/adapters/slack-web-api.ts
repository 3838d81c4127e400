/**
 * The Slack Web API through `@slack/web-api`. The client's own retries are off: a failed call
 * throws, and the job that made it is retried from the durable queue with backoff instead of
 * holding a worker for Slack's default half hour of retries.
 */
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { type SlackApi, SlackPlatformError } from '../slack/slack-api.js';

export interface SlackWebApiOptions {
  token: string;
  /** `SLACK_API_URL`, e.g. a local fake; default `https://slack.com/api/`. */
  apiUrl?: string | null;
  /** Per-call deadline (default 10 s). */
  timeoutMs?: number;
}

export function createSlackWebApi({ token, apiUrl, timeoutMs = 10_000 }: SlackWebApiOptions): SlackApi {
  const client = new WebClient(token, {
    ...(apiUrl && { slackApiUrl: apiUrl }),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
    logLevel: LogLevel.ERROR,
  });
  /** `{ok: false}` answers become SlackPlatformError, so callers can tell "fix the setup" from "try later". */
  const call = async <T>(method: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      const slack = error as { code?: string; data?: { error?: string } };
      if (slack.code === ErrorCode.PlatformError && slack.data?.error) {
        throw new SlackPlatformError(method, slack.data.error);
      }
      throw error;
    }
  };
  return {
    async postMessage(channel, { text, blocks }) {
      const answer = await call('chat.postMessage', () =>
        client.chat.postMessage({ channel, text, blocks: blocks as never }),
      );
      if (!answer.ts || !answer.channel)
        throw new Error('Slack answered chat.postMessage without channel and ts');
      return { channelId: answer.channel, ts: answer.ts };
    },
    async update(channelId, ts, { text, blocks }) {
      await call('chat.update', () =>
        client.chat.update({ channel: channelId, ts, text, blocks: blocks as never }),
      );
    },
    async postEphemeral(channel, user, text) {
      await call('chat.postEphemeral', () => client.chat.postEphemeral({ channel, user, text }));
    },
  };
}
