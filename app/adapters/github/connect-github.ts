import { createProbot, type ProbotOctokit } from 'probot';
import type { GitHubAppConfig, GitHubConnection } from '../../github/integration.js';
import type { Logger } from '../../logger.js';
import { createGitHubFetch } from './github-fetch.js';
import { OctokitGateway } from './octokit-gateway.js';

/**
 * Probot (app auth, webhook verification) and the gateway over its Octokit. Every call goes
 * through one `fetch` that makes GETs conditional and counts calls (github-fetch.ts). Tests pass
 * an Octokit without retry and throttling, and may point `baseUrl` anywhere.
 */
export function connectGitHub(
  config: GitHubAppConfig,
  log: Logger,
  overrides: { Octokit?: typeof ProbotOctokit; baseUrl?: string } = {},
): GitHubConnection {
  const github = createGitHubFetch();
  const probot = createProbot({
    env: {
      APP_ID: config.appId,
      WEBHOOK_SECRET: config.webhookSecret,
      ...(config.gheHost && { GHE_HOST: config.gheHost, GHE_PROTOCOL: config.gheProtocol }),
    },
    overrides: {
      appId: config.appId,
      privateKey: config.privateKey,
      secret: config.webhookSecret,
      log: log.child({ name: 'probot' }),
      request: { fetch: github.fetch },
      ...overrides,
    },
  });
  return { probot, gateway: new OctokitGateway(probot), apiCalls: github.calls };
}
