import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { PolicyProvider } from '../ports/policy-provider.js';
import type { RequestStore } from '../ports/request-store.js';
import type { Job, RequestRecord } from '../ports/store.js';
import { PermanentJobError } from '../services/job-runner.js';
import { PerKeyQueue } from '../services/per-key-queue.js';
import type { RequestReactor } from '../services/request-service.js';
import { ruleDescriptionsOf } from '../services/rule-descriptions.js';
import { type DiscordApi, DiscordApiError, type DiscordMessage } from './discord-api.js';
import { renderDiscordMessage } from './render-discord-message.js';

export const DISCORD_SYNC_JOB = 'discord.sync';

/** The channel key of the one message an incoming webhook posts (the webhook picks the channel). */
const WEBHOOK_CHANNEL = 'webhook';

/** Where a request's Discord message is: recorded in its `reflected` audit event (`via: "discord"`). */
interface DiscordMessageRef {
  channel: string;
  channelId: string;
  messageId: string;
}

/** Discord's JSON error code for a message that no longer exists (deleted by someone). */
const UNKNOWN_MESSAGE = 10008;

/** Most `reflected` events read back per request (one per GitHub issue, Slack and Discord channel). */
const REFLECTED_LIMIT = 200;

export interface DiscordMirrorDeps {
  store: RequestStore;
  clock: Clock;
  log: Logger;
  discord: DiscordApi;
  policies: PolicyProvider;
  /** `DISCORD_CHANNEL_ID`: for requirements without `notify.discord`. */
  defaultChannel: string | null;
  /** Buttons shown (a bot with `DISCORD_PUBLIC_KEY`, so clicks can be verified). */
  interactive: boolean;
  publicUrl: string | null;
  /** Counts messages by outcome, for `/metrics`. */
  count(outcome: 'posted' | 'edited' | 'failed'): void;
}

/**
 * Mirrors human-routed requests to Discord: one message per channel, posted on creation and edited
 * in place on every counted vote and on the decision, whatever decided it (GitHub, Slack, email,
 * the API, expiry). Every change queues a `discord.sync` job in the change's transaction; the job
 * renders the request as it is when it runs, so a late or retried job never shows an old state.
 * Where each message is lives in the audit trail (`reflected`, `via: "discord"`), written with the
 * post; a message someone deleted is posted again. Discord being down only delays the message; the request never waits for Discord.
 */
export class DiscordMirror {
  readonly #queue = new PerKeyQueue();

  constructor(private readonly deps: DiscordMirrorDeps) {}

  readonly reactor: RequestReactor = {
    jobsFor: (_change, request) =>
      request.review && this.channelsFor(request).length > 0
        ? [{ kind: DISCORD_SYNC_JOB, payload: { requestId: request.id } }]
        : [],
  };

  /** Each requirement's `notify.discord`, else the default channel; each once. A webhook has one. */
  channelsFor(request: Pick<RequestRecord, 'review'>): string[] {
    const requirements = request.review?.requirements ?? [];
    if (this.deps.discord.mode === 'webhook') return requirements.length > 0 ? [WEBHOOK_CHANNEL] : [];
    const channels = requirements.flatMap(
      (r) => r.notify?.discord ?? (this.deps.defaultChannel ? [this.deps.defaultChannel] : []),
    );
    return [...new Set(channels)];
  }

  /** Runs a sync job; one at a time per request, so two jobs never both post the first message. */
  handle(job: Job): Promise<void> {
    const requestId = String(job.payload.requestId);
    return this.#queue.run(requestId, () => this.sync(requestId));
  }

  /** Posts the request's message where it is missing and edits it where it exists. */
  async sync(requestId: string): Promise<void> {
    const { store, discord, clock, log } = this.deps;
    const request = await store.getRequest(requestId);
    if (!request?.review) return;
    const message = renderDiscordMessage({
      request,
      ruleDescriptions: await ruleDescriptionsOf(this.deps.policies, request),
      interactive: this.deps.interactive,
      publicUrl: this.deps.publicUrl,
    });
    const posted = await this.#postedMessages(requestId);
    const failures: unknown[] = [];
    for (const channel of this.channelsFor(request)) {
      try {
        const ref = posted.get(channel);
        if (ref && (await this.#edit(ref, message))) continue;
        // A request decided before its first post still gets its (final) message: the record matters.
        const { channelId, messageId } = await discord.postMessage(channel, message);
        this.deps.count('posted');
        await store.appendAudit([
          {
            requestId,
            eventType: 'reflected',
            actor: 'discord',
            details: { via: 'discord', channel, channelId, messageId },
            createdAt: clock.now().toISOString(),
          },
        ]);
      } catch (error) {
        this.deps.count('failed');
        log.warn(
          { requestId, channel, error: error instanceof Error ? error.message : String(error) },
          'could not show the request on Discord',
        );
        failures.push(error);
      }
    }
    if (failures.length === 0) return;
    const first = failures[0];
    const text = failures.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
    if (failures.every(isSetupError)) {
      throw new PermanentJobError(
        `${text} (check the bot token or webhook URL, the channel id, and the bot's permissions in that channel)`,
      );
    }
    throw first instanceof Error && failures.length === 1 ? first : new Error(text);
  }

  /** Edits a posted message; false when someone deleted it (it is then posted again). */
  async #edit(ref: DiscordMessageRef, message: DiscordMessage): Promise<boolean> {
    try {
      await this.deps.discord.editMessage(ref.channelId, ref.messageId, message);
      this.deps.count('edited');
      return true;
    } catch (error) {
      if (error instanceof DiscordApiError && error.code === UNKNOWN_MESSAGE) return false;
      throw error;
    }
  }

  /** The latest message recorded per channel (a message deleted in Discord is replaced by a new one). */
  async #postedMessages(requestId: string): Promise<Map<string, DiscordMessageRef>> {
    const events = await this.deps.store.listAudit({
      requestId,
      eventType: 'reflected',
      limit: REFLECTED_LIMIT,
      offset: 0,
    });
    const refs = new Map<string, DiscordMessageRef>();
    for (const { details } of events) {
      if (details.via !== 'discord') continue;
      const { channel, channelId, messageId } = details;
      if (typeof channel !== 'string' || typeof channelId !== 'string' || typeof messageId !== 'string')
        continue;
      refs.set(channel, { channel, channelId, messageId });
    }
    return refs;
  }
}

/**
 * Answers that retrying cannot fix: a bad token (401), a bot without access or permission (403),
 * an unknown channel, webhook or message (404), a message Discord refuses as built (400).
 */
function isSetupError(error: unknown): boolean {
  return error instanceof DiscordApiError && [400, 401, 403, 404].includes(error.status);
}
