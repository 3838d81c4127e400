import type { IntegrationFactory } from '../integration.js';
import { AppError } from '../services/app-error.js';
import type { SlackApi } from './slack-api.js';
import { createSlackInteractionsRoute, SLACK_INTERACTIONS_PATH } from './slack-interactions.js';
import { SLACK_SYNC_JOB, SlackMirror } from './slack-mirror.js';

export interface SlackOptions {
  /** `SLACK_SIGNING_SECRET`: Approve/Deny buttons and `POST /api/slack/interactions`; null for a read-only mirror. */
  signingSecret: string | null;
  /** `SLACK_CHANNEL`: where requests go whose rules name no `notify.slack` channel. */
  channel: string | null;
  /** The Slack client: the Web API with `SLACK_BOT_TOKEN`, built by app/main.ts; a fake in tests. */
  api: SlackApi;
  /** Attempts of one message post/update before giving up (default 10: about 40 minutes). */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** `AGENTGATE_PUBLIC_URL`: messages link the request's web console page. */
  serverUrl?: string | null;
}

/** The Slack mirror and its buttons as an integration (plugged in when `SLACK_BOT_TOKEN` is set). */
export function slackIntegration(options: SlackOptions): IntegrationFactory {
  return ({ store, clock, log, policies, votes }) => {
    const slack = options.api;
    const mirror = new SlackMirror({
      store,
      clock,
      log,
      slack,
      policies,
      defaultChannel: options.channel,
      interactive: options.signingSecret !== null,
      serverUrl: options.serverUrl ?? null,
    });
    const { signingSecret } = options;
    return {
      name: 'slack',
      reactor: mirror.reactor,
      jobKinds: {
        [SLACK_SYNC_JOB]: {
          handle: (job) => mirror.handle(job),
          maxAttempts: options.maxAttempts ?? 10,
          baseDelayMs: options.baseDelayMs ?? 5000,
          maxDelayMs: 600_000,
        },
      },
      mountRaw(app) {
        if (signingSecret) {
          app.post(
            SLACK_INTERACTIONS_PATH,
            ...createSlackInteractionsRoute({ signingSecret, clock, log, store, votes, slack }),
          );
        } else {
          app.post(SLACK_INTERACTIONS_PATH, () => {
            throw new AppError(
              'not_found',
              'Slack interactivity is not configured on this server; set SLACK_SIGNING_SECRET to enable the buttons.',
            );
          });
        }
      },
      health: () => ({ channel: options.channel, interactive: signingSecret !== null }),
    };
  };
}
