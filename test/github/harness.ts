/**
 * The real server in GitHub mode against the fake GitHub: a key pair generated here, Probot with
 * retry and throttling off (or the client's retries as in production: `retries: 'production'`),
 * signed webhooks built from `@octokit/webhooks-examples` payloads.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import { sign } from '@octokit/webhooks-methods';
import { githubConsoleAccess } from '../../app/console/github-access.js';
import type { ConsoleOptions } from '../../app/console/integration.js';
import {
  createGitHubIntegration,
  type GitHubIntegrationHandle,
  requireInstallation,
} from '../../app/github/integration.js';
import { createLogger, type Logger } from '../../app/logger.js';
import type { Clock } from '../../app/ports/clock.js';
import type { ClusterLock } from '../../app/ports/cluster-lock.js';
import type { GitHubPolicyProvider } from '../../app/services/github-policy-provider.js';
import { FAKE_OAUTH_CLIENT, type FakeComment, FakeGitHub } from '../fakes/fake-github.js';
import { connectTestGitHubApp } from '../helpers/github-app.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

export const WEBHOOK_SECRET = 'webhook-secret-for-tests';
export const REPO = 'acme/payments';
export const INSTALLATION_ID = 42;

const require = createRequire(import.meta.url);
const definitions = require('@octokit/webhooks-examples') as WebhookDefinition[];

export function example(event: string, pick: (e: any) => boolean = () => true): any {
  const found = definitions.find((d) => d.name === event)?.examples.find((e: any) => pick(e));
  if (!found) throw new Error(`no ${event} example`);
  return structuredClone(found);
}

export { generatePrivateKey, NoRetryOctokit } from '../helpers/github-app.js';

/** `payload` as delivered for `fullName`, by the app's installation on it. */
export function withRepository(payload: any, fullName: string): any {
  const [owner, name] = fullName.split('/');
  payload.repository = {
    ...payload.repository,
    full_name: fullName,
    name,
    owner: { ...payload.repository.owner, login: owner },
  };
  payload.installation = { id: INSTALLATION_ID, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI=' };
  return payload;
}

/** `issue_comment.created` for a comment the fake GitHub holds. */
export function commentPayload(fullName: string, issueNumber: number, comment: FakeComment): any {
  const payload = withRepository(
    example('issue_comment', (e) => e.action === 'created'),
    fullName,
  );
  payload.issue.number = issueNumber;
  payload.comment = {
    ...payload.comment,
    id: comment.id,
    body: comment.body,
    created_at: comment.created_at,
    updated_at: comment.updated_at,
    html_url: comment.html_url,
    user: { ...payload.comment.user, login: comment.user.login, type: comment.user.type },
  };
  payload.sender = { ...payload.sender, login: comment.user.login, type: comment.user.type };
  return payload;
}

/** `issues.closed` (adapted from the `reopened` example: the package has no `closed` one). */
export function closedPayload(fullName: string, issueNumber: number, login: string, type = 'User'): any {
  const payload = withRepository(
    example('issues', (e) => e.action === 'reopened'),
    fullName,
  );
  payload.action = 'closed';
  payload.issue = { ...payload.issue, number: issueNumber, state: 'closed', labels: [] };
  payload.sender = { ...payload.sender, login, type };
  return payload;
}

/** `push` of `after` to `ref`, touching `paths`. */
export function pushPayload(
  fullName: string,
  ref: string,
  after: string,
  paths: string[],
  defaultBranch = 'main',
) {
  const payload = withRepository(
    example('push', (e) => e.ref === 'refs/heads/master' && e.commits.length > 0),
    fullName,
  );
  payload.ref = ref;
  payload.after = after;
  payload.repository.default_branch = defaultBranch;
  payload.repository.master_branch = defaultBranch;
  payload.commits = [{ ...payload.commits[0], id: after, added: [], removed: [], modified: paths }];
  payload.head_commit = payload.commits[0];
  return payload;
}

/** `payload.issue.labels` set to the labels the fake GitHub holds for that issue (the examples' are made up). */
function withLabelsOf(fake: FakeGitHub, payload: any): unknown {
  const name = payload?.repository?.full_name;
  const number = payload?.issue?.number;
  if (typeof name !== 'string' || typeof number !== 'number' || payload.issue.pull_request) return payload;
  let issue: { labels: string[] } | undefined;
  try {
    issue = fake.issues(name).find((i) => i.number === number);
  } catch {
    return payload; // a repository the fake does not hold
  }
  if (!issue) return payload;
  return { ...payload, issue: { ...payload.issue, labels: issue.labels.map((label) => ({ name: label })) } };
}

export interface Delivery {
  status: number;
  text: string;
  id: string;
}

/** POSTs a webhook exactly as GitHub does: raw JSON bytes signed with `x-hub-signature-256`. */
export async function deliver(
  baseUrl: string,
  event: string,
  payload: unknown,
  options: { id?: string; secret?: string; signature?: string } = {},
): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const id = options.id ?? randomUUID();
  const res = await fetch(`${baseUrl}/api/github/webhooks`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-hub-signature-256': options.signature ?? (await sign(options.secret ?? WEBHOOK_SECRET, body)),
      'user-agent': 'GitHub-Hookshot/test',
    },
  });
  return { status: res.status, text: await res.text(), id };
}

export async function until<T>(
  probe: () => T | Promise<T>,
  what = 'condition',
  timeoutMs = 8000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Harness {
  fake: FakeGitHub;
  server: TestServer;
  admin: Api;
  agent: Api;
  handle: GitHubIntegrationHandle;
  policies: GitHubPolicyProvider;
  deliver(
    event: string,
    payload: unknown,
    options?: { id?: string; secret?: string; signature?: string },
  ): Promise<Delivery>;
  /**
   * Resolves once no job is queued or running. Webhooks are answered after their handlers ran and
   * API changes queue their jobs before answering, so after this whatever they set off has happened:
   * the event to await before asserting that something did NOT happen.
   */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    policies?: Record<string, string>;
    sweepIntervalMs?: number;
    reconcileIntervalMs?: number;
    /** The server's and the app's logger (default: silent, or `TEST_LOG_LEVEL`). */
    log?: Logger;
    /** The GitHub client's own retries: off (default, failures show at once) or as in production. */
    retries?: 'off' | 'production';
    /** How long a GitHub call may go unanswered (default: production's). */
    githubTimeoutMs?: number;
    /** Accept GitHub Actions OIDC tokens from this issuer. */
    oidc?: { issuer: string };
    /** The server's clock (e.g. a ManualClock a test moves by hand). */
    clock?: Clock;
    /** One instance of a cluster: periodic work (reconciliation, sweeps) runs under this lock. */
    clusterLock?: ClusterLock;
    /** The web console, with "Sign in with GitHub" against the fake's OAuth endpoints. */
    console?: Partial<ConsoleOptions>;
  } = {},
): Promise<Harness> {
  const fake = await new FakeGitHub().start();
  fake.addRepo(REPO, {
    installationId: INSTALLATION_ID,
    ...(options.policies && { policies: options.policies }),
  });
  const log = options.log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const { connection, policies } = connectTestGitHubApp({
    host: fake.host,
    webhookSecret: WEBHOOK_SECRET,
    log,
    ...(options.retries && { retries: options.retries }),
    ...(options.githubTimeoutMs !== undefined && { timeoutMs: options.githubTimeoutMs }),
  });
  const handle: GitHubIntegrationHandle = { reconciler: null, issues: null };
  const server = await startTestServer({
    ...(options.log && { log: options.log }),
    webhooks: false,
    defaultRepository: REPO,
    policyProvider: () => policies,
    repositoryCheck: requireInstallation(connection.gateway),
    ...(options.sweepIntervalMs !== undefined && { sweepIntervalMs: options.sweepIntervalMs }),
    ...(options.oidc && { oidc: options.oidc }),
    ...(options.clock && { clock: options.clock }),
    ...(options.clusterLock && { cluster: { clusterLock: options.clusterLock } }),
    ...(options.console && {
      console: {
        github: githubConsoleAccess(connection.gateway, log, {
          clientId: FAKE_OAUTH_CLIENT.clientId,
          clientSecret: FAKE_OAUTH_CLIENT.clientSecret,
          webUrl: fake.url,
          apiUrl: fake.baseUrl,
        }),
        ...options.console,
      },
    }),
    integrations: [
      createGitHubIntegration(
        {
          connection,
          policies,
          serverUrl: 'https://agentgate.example.com',
          retryBaseMs: 50,
          reconcileIntervalMs: options.reconcileIntervalMs ?? 0,
        },
        handle,
      ),
    ],
  });
  const admin = apiClient(server.url, server.adminKey);
  const agent = (
    await keyClient(server.url, server.adminKey, 'billing-bot', ['request:create', 'request:read'])
  ).api;
  return {
    fake,
    server,
    admin,
    agent,
    handle,
    policies,
    // Like GitHub, an issue event carries the issue's labels as they are now.
    deliver: (event, payload, o) => deliver(server.url, event, withLabelsOf(fake, payload), o),
    async settled() {
      await until(async () => {
        await server.server.jobs.idle();
        await server.server.jobs.runOnce();
        return (await server.store.listJobs({ status: 'queued', limit: 1 })).length === 0;
      }, 'the job queue to empty');
    },
    async close() {
      await server.close();
      await fake.stop();
    },
  };
}
