import { createProbot, ProbotOctokit } from 'probot';
import { githubWebUrl } from '../../github/github-config.js';
import type { GitHubAppConfig, GitHubConnection } from '../../github/integration.js';
import type { Logger } from '../../logger.js';
import { createGitHubFetch } from './github-fetch.js';
import { OctokitGateway } from './octokit-gateway.js';
import { fetchWithTimeout, GITHUB_REQUEST_TIMEOUT_MS, withRequestPolicy } from './request-policy.js';

/**
 * Probot (app auth, webhook verification) and the gateway over its Octokit. The Octokit is
 * Probot's, with retry and throttling as Probot configures them, except that no POST is retried by
 * the client and every call has a timeout (request-policy.ts). Every call goes through one `fetch`
 * that makes GETs conditional and counts calls (github-fetch.ts). Tests may pass another Octokit
 * class (the policy is applied to it too), point `baseUrl` anywhere and shorten the timeout.
 */
export function connectGitHub(
  config: GitHubAppConfig,
  log: Logger,
  overrides: { Octokit?: typeof ProbotOctokit; baseUrl?: string; timeoutMs?: number } = {},
): GitHubConnection {
  const { Octokit = ProbotOctokit, timeoutMs = GITHUB_REQUEST_TIMEOUT_MS, ...rest } = overrides;
  const github = createGitHubFetch({ fetch: fetchWithTimeout(timeoutMs) });
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
      Octokit: withRequestPolicy(Octokit),
      request: { fetch: github.fetch },
      ...rest,
    },
  });
  return {
    probot,
    gateway: new OctokitGateway(probot),
    webUrl: githubWebUrl(config),
    apiCalls: github.calls,
  };
}
