import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { OutboundStore } from '../ports/outbound-store.js';
import type { PolicyProvider } from '../ports/policy-provider.js';
import type { RequestStore } from '../ports/request-store.js';
import type { Job, RequestRecord } from '../ports/store.js';
import { PermanentJobError } from '../services/job-runner.js';
import { PerKeyQueue } from '../services/per-key-queue.js';
import type { RequestReactor } from '../services/request-service.js';
import { ruleDescriptionsOf } from '../services/rule-descriptions.js';
import { renderSlackMessage } from './render-slack-message.js';
import { type SlackApi, SlackPlatformError } from './slack-api.js';

export const SLACK_SYNC_JOB = 'slack.sync';

/** Slack errors that retrying cannot fix: the setup must change (token, channel, app membership). */
const SETUP_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'message_not_found',
  'cant_update_message',
  'invalid_blocks',
]);

export interface SlackMirrorDeps {
  store: RequestStore & OutboundStore;
  clock: Clock;
  log: Logger;
  slack: SlackApi;
  policies: PolicyProvider;
  /** `SLACK_CHANNEL`: for requirements without `notify.slack`. */
  defaultChannel: string | null;
  /** Buttons shown (`SLACK_SIGNING_SECRET` set). */
  interactive: boolean;
  /** `AGENTGATE_PUBLIC_URL`: messages link the request's web console page. */
  serverUrl?: string | null;
}

/**
 * Mirrors human-routed requests to Slack: one message per channel, posted on creation and updated
 * in place (`chat.update`, same `ts`) on every counted vote and on the decision, whatever decided it.
 * Every change queues a `slack.sync` job in the change's transaction; the job renders the request
 * as it is when it runs, so a late or retried job never shows an old state. Slack being down only
 * delays the message: the request itself never waits for Slack.
 */
export class SlackMirror {
  readonly #queue = new PerKeyQueue();

  constructor(private readonly deps: SlackMirrorDeps) {}

  readonly reactor: RequestReactor = {
    jobsFor: (_change, request) =>
      request.review && this.channelsFor(request).length > 0
        ? [{ kind: SLACK_SYNC_JOB, payload: { requestId: request.id } }]
        : [],
  };

  /** Each requirement's `notify.slack`, else the default channel; each channel once. */
  channelsFor(request: Pick<RequestRecord, 'review'>): string[] {
    const channels = (request.review?.requirements ?? []).map(
      (r) => r.notify?.slack ?? this.deps.defaultChannel,
    );
    return [...new Set(channels.filter((c): c is string => c !== null && c !== ''))];
  }

  /** Runs a sync job; one at a time per request, so two jobs never both post the first message. */
  handle(job: Job): Promise<void> {
    const requestId = String(job.payload.requestId);
    return this.#queue.run(requestId, () => this.sync(requestId));
  }

  /** Posts the request's message where it is missing and updates it where it exists. */
  async sync(requestId: string): Promise<void> {
    const { store, slack, clock, log } = this.deps;
    const request = await store.getRequest(requestId);
    if (!request?.review) return;
    const message = renderSlackMessage({
      request,
      ruleDescriptions: await ruleDescriptionsOf(this.deps.policies, request),
      interactive: this.deps.interactive,
      serverUrl: this.deps.serverUrl ?? null,
    });
    const posted = new Map((await store.listSlackMessages(requestId)).map((ref) => [ref.channel, ref]));
    const failures: unknown[] = [];
    for (const channel of this.channelsFor(request)) {
      try {
        const ref = posted.get(channel);
        if (ref) {
          await slack.update(ref.channelId, ref.ts, message);
          continue;
        }
        // A request decided before its first post still gets its (final) message: the record matters.
        const { channelId, ts } = await slack.postMessage(channel, message);
        const at = clock.now().toISOString();
        await store.saveSlackMessage({ requestId, channel, channelId, ts, createdAt: at }, [
          {
            requestId,
            eventType: 'reflected',
            actor: 'slack',
            details: { via: 'slack', channel, channelId, ts },
            createdAt: at,
          },
        ]);
      } catch (error) {
        log.warn({ err: error, requestId, channel }, 'could not show the request in Slack');
        failures.push(error);
      }
    }
    if (failures.length === 0) return;
    const first = failures[0];
    const text = failures.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
    if (failures.every((e) => e instanceof SlackPlatformError && SETUP_ERRORS.has(e.error))) {
      throw new PermanentJobError(`${text} (check SLACK_BOT_TOKEN, the channel, and that the app is in it)`);
    }
    throw first instanceof Error && failures.length === 1 ? first : new Error(text);
  }
}
