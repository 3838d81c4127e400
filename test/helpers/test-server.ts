/**
 * A real AgentGate server for tests: real HTTP on 127.0.0.1 (a free port), real SQLite (in memory
 * unless `databasePath` is given) or the store a test passes, policies from an in-memory map of
 * file name → YAML.
 */
import { randomBytes } from 'node:crypto';
import { openSqliteStore } from '../../app/adapters/sqlite/sqlite-store.js';
import { guardedWebhookSender } from '../../app/adapters/webhook-sender.js';
import {
  type ConsoleHandle,
  type ConsoleOptions,
  consoleIntegration,
} from '../../app/console/integration.js';
import type { IntegrationFactory } from '../../app/integration.js';
import { createLogger, type Logger } from '../../app/logger.js';
import type { Clock } from '../../app/ports/clock.js';
import type { PolicyProvider } from '../../app/ports/policy-provider.js';
import type { Store } from '../../app/ports/store.js';
import { type AgentGateServer, createServer, type ServerOptions } from '../../app/server.js';
import { LocalPolicyProvider } from '../../app/services/local-policy-provider.js';
import { createOidcVerifier, DEFAULT_OIDC_AUDIENCE } from '../../app/services/oidc-verifier.js';
import { type WebhooksOptions, webhooksIntegration } from '../../app/webhooks/integration.js';

export interface TestServerOptions {
  /** Policy files, e.g. `{ 'main.yaml': 'rules: [...]' }`; none means "everything routes to humans". */
  policies?: Record<string, string>;
  clock?: Clock;
  databasePath?: string;
  /** The store to serve from instead of SQLite, e.g. `createMemoryStore()`; closed with the server. */
  store?: Store;
  sweepIntervalMs?: number;
  defaultRepository?: string | null;
  bodyLimitBytes?: number;
  integrations?: IntegrationFactory[];
  /** Outgoing webhooks, on as in production (private targets allowed, for local receivers); false turns them off. */
  webhooks?: Partial<WebhooksOptions> | false;
  /** Accept GitHub Actions OIDC tokens from this issuer (keys at `jwksUrl`, default `<issuer>/.well-known/jwks`). */
  oidc?: { issuer: string; audience?: string; jwksUrl?: string };
  /** The policy provider to use instead of the local files (GitHub mode), given the local one. */
  policyProvider?: (local: LocalPolicyProvider) => PolicyProvider;
  /** Refuses binding keys to some repositories (GitHub mode: not installed). */
  repositoryCheck?: (repository: string) => Promise<void>;
  /** The server's logger (default: silent, or `TEST_LOG_LEVEL`). */
  log?: Logger;
  /** One instance of a cluster: the cross-instance parts (e.g. on PostgreSQL, test/server/cluster.test.ts). */
  cluster?: Pick<ServerOptions, 'decisionBus' | 'clusterLock' | 'rateLimiter'>;
  /** The web console (docs/console.md), with a random secret unless one is given; off by default. */
  console?: Partial<ConsoleOptions> | true;
}

export interface TestServer {
  url: string;
  /** An admin key (the server's ADMIN_API_KEY). */
  adminKey: string;
  server: AgentGateServer;
  store: Store;
  policies: LocalPolicyProvider;
  /** The console's handle (decision link URLs, live clients) when `console` was given. */
  console: ConsoleHandle | null;
  close(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const files = new Map(Object.entries(options.policies ?? {}));
  const policies = new LocalPolicyProvider('test-policies', async () => files);
  await policies.reload();
  const store = options.store ?? (await openSqliteStore({ path: options.databasePath ?? ':memory:' }));
  const adminKey = `agk_${randomBytes(32).toString('base64url')}`;
  const consoleHandle: ConsoleHandle | null = options.console ? { decisionLinkUrl: null, live: null } : null;
  const consoleOptions = options.console === true ? {} : options.console;
  const server = createServer({
    store,
    policies: options.policyProvider?.(policies) ?? policies,
    ...(options.repositoryCheck && { repositoryCheck: options.repositoryCheck }),
    log: options.log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    adminApiKey: adminKey,
    ...(options.clock && { clock: options.clock }),
    ...(options.sweepIntervalMs !== undefined && { sweepIntervalMs: options.sweepIntervalMs }),
    ...(options.defaultRepository !== undefined && { defaultRepository: options.defaultRepository }),
    ...(options.bodyLimitBytes !== undefined && { bodyLimitBytes: options.bodyLimitBytes }),
    integrations: [
      ...(options.webhooks === false
        ? []
        : [webhooksIntegration({ allowPrivate: true, sender: guardedWebhookSender, ...options.webhooks })]),
      ...(options.integrations ?? []),
      ...(consoleOptions && consoleHandle
        ? [
            consoleIntegration(
              { secret: randomBytes(32).toString('base64url'), publicUrl: null, ...consoleOptions },
              consoleHandle,
            ),
          ]
        : []),
    ],
    ...(options.oidc && {
      oidc: createOidcVerifier({ audience: DEFAULT_OIDC_AUDIENCE, ...options.oidc }),
    }),
    shutdownGraceMs: 2000,
    ...options.cluster,
  });
  const address = await server.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${address.port}`,
    adminKey,
    server,
    store,
    policies,
    console: consoleHandle,
    close: () => server.close(),
  };
}
