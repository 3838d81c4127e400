/**
 * The composition root: the one place that builds the real graph (config → logger → store (SQLite, or PostgreSQL for a postgres:// DATABASE_URL) →
 * local policies → GitHub (Probot + Octokit gateway) → Slack Web API → webhook sender → server) and
 * owns the process (signals, exit codes). Integrations receive these adapters; they never build one
 * (the dependency-cruiser rule adapters-only-in-composition-roots).
 */
import type { AddressInfo } from 'node:net';
import { loadOrCreateConsoleSecret } from './adapters/console-secret.js';
import { createDiscordRestApi } from './adapters/discord-rest-api.js';
import { createDiscordWebhookApi } from './adapters/discord-webhook-api.js';
import { connectGitHub } from './adapters/github/connect-github.js';
import { type Cluster, openCluster } from './adapters/open-cluster.js';
import { describeDatabase, openStore } from './adapters/open-store.js';
import { readPolicyDir } from './adapters/policy-files.js';
import { createSlackWebApi } from './adapters/slack-web-api.js';
import { createSmtpMailer } from './adapters/smtp-mailer.js';
import { guardedWebhookSender } from './adapters/webhook-sender.js';
import { type Config, loadConfig } from './config.js';
import { githubConsoleAccess } from './console/github-access.js';
import { githubApiUrlOf } from './console/github-sign-in.js';
import { type ConsoleHandle, consoleIntegration } from './console/integration.js';
import { discordIntegration } from './discord/integration.js';
import { emailIntegration } from './email/integration.js';
import { normalizeEmail, qualifyEmailVoter } from './email/qualify-email-voter.js';
import { createGitHubIntegration, requireInstallation } from './github/integration.js';
import { createLogger, type Logger } from './logger.js';
import { createMcpHttpIntegration } from './mcp-http/http-integration.js';
import { systemClock } from './ports/clock.js';
import type { RequestRecord, Store } from './ports/store.js';
import { type AgentGateServer, createServer } from './server.js';
import { ApiKeyService } from './services/api-key-service.js';
import { GitHubPolicyProvider } from './services/github-policy-provider.js';
import { newId } from './services/ids.js';
import { LocalPolicyProvider } from './services/local-policy-provider.js';
import { createOidcVerifier } from './services/oidc-verifier.js';
import { slackIntegration } from './slack/integration.js';
import { webhooksIntegration } from './webhooks/integration.js';

export interface RunningServer {
  server: AgentGateServer;
  address: AddressInfo;
  config: Config;
  log: Logger;
  policies: LocalPolicyProvider;
}

export async function startServer(env: NodeJS.ProcessEnv = process.env): Promise<RunningServer> {
  const config = loadConfig(env);
  const log = createLogger(config.logLevel);
  // In GitHub mode the local directory only serves requests without a repository: it may be absent.
  const policies = new LocalPolicyProvider(config.policyDir, () =>
    readPolicyDir(config.policyDir, { missingOk: config.github !== null }),
  );
  const active = await policies.reload();
  for (const w of active.warnings) log.warn({ file: w.file, line: w.line }, `policy warning: ${w.message}`);

  // GitHub mode (APP_ID set): policies from each request's repository, reviews in its issues.
  const github = config.github ? connectGitHub(config.github.app, log) : null;
  const githubPolicies = github
    ? new GitHubPolicyProvider({ gateway: github.gateway, local: policies, log })
    : null;
  const githubIntegrations =
    github && githubPolicies && config.github
      ? [
          createGitHubIntegration({
            connection: github,
            policies: githubPolicies,
            serverUrl: config.github.publicUrl,
            reconcileIntervalMs: config.github.reconcileIntervalMs,
            policyReplayLimit: config.github.policyReplayLimit,
          }),
        ]
      : [];

  // Migrates on start (once across instances sharing a PostgreSQL database).
  const store = await openStore(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous });
  let cluster: Cluster | null = null;
  try {
    // Many instances on PostgreSQL: decisions, periodic work and rate limits shared between them.
    cluster = await openCluster(config.databaseUrl, log);
    await printBootstrapKey(store, config);
    // Filled in by the console; the email channel builds its decision links with it.
    const consoleHandle: ConsoleHandle = { decisionLinkUrl: null, live: null };
    const created = createServer({
      store,
      policies: githubPolicies ?? policies,
      ...(github && { repositoryCheck: requireInstallation(github.gateway) }),
      log,
      adminApiKey: config.adminApiKey,
      defaultRepository: config.defaultRepository,
      bodyLimitBytes: config.bodyLimitBytes,
      sweepIntervalMs: config.sweepIntervalMs,
      shutdownGraceMs: config.shutdownGraceMs,
      oidc: createOidcVerifier({ ...config.oidc, log }),
      ...(cluster && {
        decisionBus: cluster.decisionBus,
        clusterLock: cluster.clusterLock,
        rateLimiter: cluster.rateLimiter,
        keyChanges: cluster.decisionBus,
      }),
      integrations: [
        // The web console at / (docs/console.md); in GitHub mode its users vote as their GitHub identity.
        consoleIntegration(
          {
            secret: config.console.secret ?? loadOrCreateConsoleSecret(config.databaseUrl, log),
            publicUrl: config.publicUrl,
            // Mailed decision links decide for the addresses a rule lists under approvers.email.
            decisionLinkQualifier: config.email ? qualifyDecisionLink : null,
            github: github
              ? githubConsoleAccess(
                  github.gateway,
                  log,
                  config.console.githubClient && {
                    ...config.console.githubClient,
                    webUrl: github.webUrl,
                    apiUrl: githubApiUrlOf(github.webUrl),
                  },
                )
              : null,
          },
          consoleHandle,
        ),
        createMcpHttpIntegration(),
        webhooksIntegration({ ...config.webhooks, sender: guardedWebhookSender }),
        ...githubIntegrations,
        // The Slack mirror only with a bot token; its buttons only with the signing secret too.
        ...(config.slack
          ? [
              slackIntegration({
                signingSecret: config.slack.signingSecret,
                channel: config.slack.channel,
                serverUrl: config.publicUrl,
                api: createSlackWebApi({ token: config.slack.botToken, apiUrl: config.slack.apiUrl }),
              }),
            ]
          : []),
        ...channelIntegrations(config, consoleHandle),
      ],
    });
    const pgCluster = cluster;
    const server: AgentGateServer = pgCluster
      ? {
          ...created,
          async close() {
            await created.close();
            await pgCluster.close();
          },
        }
      : created;
    const address = await server.listen(config.port, config.host);
    log.info(
      {
        port: address.port,
        database: describeDatabase(config.databaseUrl),
        store: store.kind,
        policies: active.policySet.source,
        version: active.policySet.version,
        oidcAudience: config.oidc.audience,
      },
      `AgentGate listening on http://localhost:${address.port} (${github ? 'github' : 'standalone'} mode)`,
    );
    process.stderr.write(`\n  Web console: ${config.publicUrl ?? `http://localhost:${address.port}`}/\n\n`);
    return { server, address, config, log, policies };
  } catch (error) {
    await store.close();
    await cluster?.decisionBus.close();
    await cluster?.close();
    throw error;
  }
}

/**
 * How long a mailed decision link can be used. The request's own expiry still applies: a link to
 * a request that is no longer pending decides nothing.
 */
const DECISION_LINK_DAYS = 7;

/** Who a mailed decision link's recipient (`email:<address>`) may vote for: `approvers.email`. */
async function qualifyDecisionLink(request: RequestRecord, recipient: string) {
  return qualifyEmailVoter(request, request.review?.requirements ?? [], recipient.replace(/^email:/, ''));
}

/** Discord (a bot, or a post-only webhook) and email, each when configured (docs/discord.md, docs/email.md). */
function channelIntegrations({ discord, email, publicUrl, webhooks }: Config, consoleLinks: ConsoleHandle) {
  return [
    ...(discord
      ? [
          discordIntegration({
            api: discord.botToken
              ? createDiscordRestApi({ token: discord.botToken, apiUrl: discord.apiUrl })
              : // Private addresses only where outgoing webhooks may reach them (AGENTGATE_WEBHOOK_ALLOW_PRIVATE).
                createDiscordWebhookApi({
                  url: discord.webhookUrl ?? '',
                  allowPrivate: webhooks.allowPrivate,
                }),
            publicKey: discord.publicKey,
            applicationId: discord.applicationId,
            channel: discord.channel,
            publicUrl,
          }),
        ]
      : []),
    ...(email
      ? [
          emailIntegration({
            mailer: createSmtpMailer({ settings: email }),
            from: email.from,
            publicUrl,
            // The console's signed, single-use confirm pages (docs/console.md, "Decision links").
            decisionLink: (requestId, recipient, decision) =>
              consoleLinks.decisionLinkUrl?.({
                requestId,
                recipient: `email:${normalizeEmail(recipient)}`,
                decision,
                expiresAt: new Date(Date.now() + DECISION_LINK_DAYS * 24 * 3600 * 1000),
              }) ?? null,
          }),
        ]
      : []),
  ];
}

/**
 * On the very first start (no keys, no ADMIN_API_KEY) the operator needs a way in: one admin key,
 * printed once to the terminal and never logged.
 */
async function printBootstrapKey(store: Store, config: Config): Promise<void> {
  if (config.adminApiKey || (await store.countActiveApiKeys()) > 0) return;
  const keys = new ApiKeyService({ store, clock: systemClock, newId });
  const created = await keys.create({ name: 'bootstrap-admin', scopes: ['admin'] }, 'system:bootstrap');
  process.stderr.write(
    [
      '',
      '  No API keys exist yet, so AgentGate created an admin key. It is shown only this once:',
      '',
      `    ${created.key}`,
      '',
      `  Save it now, e.g.  export AGENTGATE_API_KEY=${created.key}`,
      '  Then create narrower keys for agents:  agentgate keys create my-agent --scopes request:create',
      '',
    ].join('\n'),
  );
}

/** Runs until SIGTERM/SIGINT, then shuts down gracefully. SIGHUP reloads the policy directory. */
export async function runServerProcess(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { server, log, policies } = await startServer(env);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    server.close().then(
      () => {
        log.info('shut down cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    policies.reload().then(
      (active) =>
        active.errors.length > 0
          ? log.error({ errors: active.errors }, 'policy reload failed; the last good set stays in force')
          : log.info({ version: active.policySet.version }, 'policies reloaded'),
      (error: unknown) => log.error({ err: error }, 'policy reload failed'),
    );
  });
}
