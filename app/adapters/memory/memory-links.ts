/**
 * The in-memory side of GitHub links and outbound state (webhooks, deliveries, Slack message refs),
 * kept apart from the request tables as the SQLite adapter keeps `outbound-store.ts`.
 */
import type { AuditEntry } from '../../../sdk/schemas.js';
import {
  type AuditEventInput,
  type GitHubCheckRunLink,
  type GitHubIssueLink,
  type GitHubLinkStore,
  type JobInput,
  type OutboundStore,
  type SlackMessageRef,
  StoreError,
  type WebhookDelivery,
  type WebhookRecord,
} from '../../ports/store.js';
import { checkedCount } from '../store-values.js';
import { ascending, copy } from './json-copy.js';

export interface MemoryLinkDeps {
  run<T>(doing: string, call: () => T): Promise<T>;
  prepareEvents(events: readonly AuditEventInput[]): { entries: AuditEntry[]; commit(): void };
  prepareJobs(jobs: readonly JobInput[] | undefined, at: string): { commit(): void };
  /** Whether the request exists and is pending. */
  pending(requestId: string): boolean;
  hasRequest(requestId: string): boolean;
}

const sameRepository = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function createMemoryLinks({
  run,
  prepareEvents,
  prepareJobs,
  pending,
  hasRequest,
}: MemoryLinkDeps): GitHubLinkStore & OutboundStore {
  const processed = new Set<string>();
  const issues = new Map<string, GitHubIssueLink>();
  const checkRuns = new Map<string, GitHubCheckRunLink>();
  const webhooks = new Map<string, WebhookRecord>();
  const deliveries = new Map<string, WebhookDelivery>();
  /** `requestId` NUL `channel` → ref. */
  const slackMessages = new Map<string, SlackMessageRef>();

  /** Links reference a stored request, as SQLite's foreign keys require. */
  function requireRequest(requestId: string, doing: string): void {
    if (!hasRequest(requestId)) {
      throw new StoreError('failed', `Could not ${doing}: request ${requestId} does not exist.`);
    }
  }

  /** Pending links after `afterRequestId`, by request id. */
  function pagePending<T extends { requestId: string }>(
    links: Iterable<T>,
    limit: number,
    after: string,
  ): T[] {
    return [...links]
      .filter((link) => link.requestId > after && pending(link.requestId))
      .sort((a, b) => ascending(a.requestId, b.requestId))
      .slice(0, checkedCount(limit, 'limit'))
      .map(copy);
  }

  return {
    claimGitHubKey: (key, _at) =>
      run(`record ${key} as processed`, () => {
        if (processed.has(key)) return false;
        processed.add(key);
        return true;
      }),

    releaseGitHubKey: (key) =>
      run(`forget ${key}`, () => {
        processed.delete(key);
      }),

    linkGitHubIssue: (link) =>
      run(`link request ${link.requestId} to its issue`, () => {
        requireRequest(link.requestId, `link request ${link.requestId} to its issue`);
        if (issues.has(link.requestId)) return false;
        issues.set(link.requestId, copy(link));
        return true;
      }),

    getGitHubIssue: (requestId) =>
      run(`read the issue of request ${requestId}`, () => {
        const link = issues.get(requestId);
        return link ? copy(link) : null;
      }),

    findGitHubIssue: (repository, number) =>
      run(`find issue ${repository}#${number}`, () => {
        const link = [...issues.values()].find(
          (l) => l.number === number && sameRepository(l.repository, repository),
        );
        return link ? copy(link) : null;
      }),

    listPendingGitHubIssues: (limit, afterRequestId = '') =>
      run('list the issues of pending requests', () => pagePending(issues.values(), limit, afterRequestId)),

    linkGitHubCheckRun: (link) =>
      run(`link request ${link.requestId} to its check run`, () => {
        requireRequest(link.requestId, `link request ${link.requestId} to its check run`);
        const first = checkRuns.get(link.requestId);
        // The latest run carries the state: a newer run replaces the id, never the commit.
        checkRuns.set(
          link.requestId,
          first
            ? { ...first, checkRunId: link.checkRunId, url: link.url }
            : { ...copy(link), headSha: link.headSha.toLowerCase() },
        );
      }),

    getGitHubCheckRun: (requestId) =>
      run(`read the check run of request ${requestId}`, () => {
        const link = checkRuns.get(requestId);
        return link ? copy(link) : null;
      }),

    findPendingGitHubCheckRuns: (repository, headSha) =>
      run(`find the check runs on ${repository}@${headSha}`, () =>
        [...checkRuns.values()]
          .filter(
            (l) =>
              sameRepository(l.repository, repository) &&
              l.headSha === headSha.toLowerCase() &&
              pending(l.requestId),
          )
          .sort((a, b) => ascending(a.createdAt, b.createdAt) || ascending(a.requestId, b.requestId))
          .map(copy),
      ),

    findGitHubCheckRuns: (repository, headSha) =>
      run(`find the check runs on ${repository}@${headSha}`, () =>
        [...checkRuns.values()]
          .filter((l) => sameRepository(l.repository, repository) && l.headSha === headSha.toLowerCase())
          .sort((a, b) => ascending(a.createdAt, b.createdAt) || ascending(a.requestId, b.requestId))
          .map(copy),
      ),

    listPendingGitHubCheckRuns: (limit, afterRequestId = '') =>
      run('list the check runs of pending requests', () =>
        pagePending(checkRuns.values(), limit, afterRequestId),
      ),

    insertWebhook: (webhook, events) =>
      run(`store webhook ${webhook.id}`, () => {
        if (webhooks.has(webhook.id)) {
          throw new StoreError('conflict', `Could not store webhook ${webhook.id}: it already exists.`);
        }
        const stored = copy(webhook);
        const trail = prepareEvents(events);
        webhooks.set(stored.id, stored);
        trail.commit();
      }),

    getWebhook: (id) =>
      run(`read webhook ${id}`, () => {
        const webhook = webhooks.get(id);
        return webhook ? copy(webhook) : null;
      }),

    // Map order is insertion order, SQLite's rowid tie-break.
    listWebhooks: () =>
      run('list webhooks', () =>
        [...webhooks.values()].sort((a, b) => ascending(a.createdAt, b.createdAt)).map(copy),
      ),

    updateWebhook: (id, patch, _at, events) =>
      run(`update webhook ${id}`, () => {
        const webhook = webhooks.get(id);
        if (!webhook) return null;
        const updated: WebhookRecord = {
          ...webhook,
          ...(patch.url !== undefined && { url: patch.url }),
          ...(patch.events !== undefined && { events: copy(patch.events) }),
          ...(patch.enabled !== undefined && { enabled: patch.enabled }),
        };
        const trail = prepareEvents(events);
        webhooks.set(id, updated);
        trail.commit();
        return copy(updated);
      }),

    deleteWebhook: (id, events) =>
      run(`delete webhook ${id}`, () => {
        if (!webhooks.has(id)) return false;
        const trail = prepareEvents(events);
        webhooks.delete(id);
        for (const delivery of [...deliveries.values()]) {
          if (delivery.webhookId === id) deliveries.delete(delivery.id);
        }
        trail.commit();
        return true;
      }),

    insertDelivery: (delivery, jobs) =>
      run(`store delivery ${delivery.id}`, () => {
        if (deliveries.has(delivery.id)) return false;
        if (!webhooks.has(delivery.webhookId)) {
          throw new StoreError(
            'failed',
            `Could not store delivery ${delivery.id}: its webhook does not exist.`,
          );
        }
        const stored = copy(delivery);
        const work = prepareJobs(jobs, delivery.createdAt);
        deliveries.set(stored.id, stored);
        work.commit();
        return true;
      }),

    recordDeliveryAttempt: (id, attempt) =>
      run(`record an attempt of delivery ${id}`, () => {
        const delivery = deliveries.get(id);
        if (!delivery) return null;
        const recorded: WebhookDelivery = {
          ...delivery,
          status: attempt.status,
          attempts: delivery.attempts + 1,
          responseStatus: attempt.responseStatus,
          lastError: attempt.error,
          updatedAt: attempt.at,
          // The first successful attempt is when it was delivered.
          deliveredAt:
            delivery.status === 'delivered'
              ? delivery.deliveredAt
              : attempt.status === 'delivered'
                ? attempt.at
                : null,
        };
        deliveries.set(id, recorded);
        return copy(recorded);
      }),

    getDelivery: (id) =>
      run(`read delivery ${id}`, () => {
        const delivery = deliveries.get(id);
        return delivery ? copy(delivery) : null;
      }),

    listDeliveries: (filter) =>
      run(`list the deliveries of webhook ${filter.webhookId}`, () =>
        [...deliveries.values()]
          .filter(
            (d) =>
              d.webhookId === filter.webhookId && (filter.status === undefined || d.status === filter.status),
          )
          .sort((a, b) => ascending(b.createdAt, a.createdAt) || ascending(b.id, a.id))
          .slice(0, checkedCount(filter.limit, 'limit'))
          .map(copy),
      ),

    saveSlackMessage: (ref, events) =>
      run(`remember the Slack message of request ${ref.requestId}`, () => {
        requireRequest(ref.requestId, `remember the Slack message of request ${ref.requestId}`);
        const key = `${ref.requestId}\u0000${ref.channel}`;
        if (slackMessages.has(key)) return;
        const trail = prepareEvents(events);
        slackMessages.set(key, copy(ref));
        trail.commit();
      }),

    listSlackMessages: (requestId) =>
      run(`list the Slack messages of request ${requestId}`, () =>
        [...slackMessages.values()]
          .filter((ref) => ref.requestId === requestId)
          .sort((a, b) => ascending(a.createdAt, b.createdAt) || ascending(a.channel, b.channel))
          .map(copy),
      ),
  };
}
