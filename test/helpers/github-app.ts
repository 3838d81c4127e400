/**
 * The GitHub App side of a test server: Probot and the Octokit gateway connected to a fake GitHub
 * (or nock's host) with retries off, and the repository policy provider on top. Tests plug the
 * result into `createGitHubIntegration` as `app/main.ts` does.
 */
import { generateKeyPairSync } from 'node:crypto';
import { ProbotOctokit } from 'probot';
import { connectGitHub } from '../../app/adapters/github/connect-github.js';
import type { GitHubConnection } from '../../app/github/integration.js';
import type { Logger } from '../../app/logger.js';
import { GitHubPolicyProvider } from '../../app/services/github-policy-provider.js';
import { LocalPolicyProvider } from '../../app/services/local-policy-provider.js';

/** Failures show up at once instead of after Octokit's retries and throttling. */
export const NoRetryOctokit = ProbotOctokit.defaults((options: object) => ({
  ...options,
  retry: { enabled: false },
  throttle: { enabled: false },
}));

/**
 * Probot's Octokit with its retries exactly as in production (`@octokit/plugin-retry`: 3 retries of
 * 5xx and unanswered requests, 1 s, 4 s, 9 s apart), only the throttling off: it paces writes one a
 * second and retries rate limits, neither of which creates anything twice.
 */
const ProductionRetryOctokit = ProbotOctokit.defaults((options: object) => ({
  ...options,
  throttle: { enabled: false },
}));

export function generatePrivateKey(): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

export interface TestGitHubApp {
  connection: GitHubConnection;
  policies: GitHubPolicyProvider;
}

export function connectTestGitHubApp(options: {
  /** `host:port` of the fake GitHub (served over http). */
  host: string;
  webhookSecret: string;
  log: Logger;
  appId?: string;
  privateKey?: string;
  /** `production`: the client retries as in production (`ProductionRetryOctokit`); default off. */
  retries?: 'off' | 'production';
  /** How long a GitHub call may go unanswered (default: production's). */
  timeoutMs?: number;
}): TestGitHubApp {
  const { host, webhookSecret, log, appId = '123', privateKey = generatePrivateKey() } = options;
  const connection = connectGitHub(
    { appId, privateKey, webhookSecret, gheHost: host, gheProtocol: 'http' },
    log,
    {
      Octokit: (options.retries === 'production' ? ProductionRetryOctokit : NoRetryOctokit) as never,
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    },
  );
  const policies = new GitHubPolicyProvider({
    gateway: connection.gateway,
    local: new LocalPolicyProvider('none', async () => new Map()),
    log,
  });
  return { connection, policies };
}
