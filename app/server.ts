import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { PrepaidCalls } from './http/auth.js';
import { createApp } from './http/create-app.js';
import { createCreateRoute } from './http/create-route.js';
import { Metrics } from './http/metrics.js';
import { SlidingWindowRateLimiter } from './http/rate-limiter.js';
import { createWaitRoute } from './http/wait-route.js';
import type { Integration, IntegrationFactory } from './integration.js';
import type { Logger } from './logger.js';
import { type Clock, systemClock } from './ports/clock.js';
import { type ClusterLock, localClusterLock } from './ports/cluster-lock.js';
import type { DecisionBus } from './ports/decision-bus.js';
import type { KeyChangeFeed } from './ports/key-change-feed.js';
import type { PolicyProvider } from './ports/policy-provider.js';
import type { RateLimiter } from './ports/rate-limiter.js';
import type { Store } from './ports/store.js';
import { ApiKeyService } from './services/api-key-service.js';
import { DecisionHub } from './services/decision-hub.js';
import { ExpirySweeper } from './services/expiry-sweeper.js';
import { newId as defaultNewId } from './services/ids.js';
import { JobRunner } from './services/job-runner.js';
import type { OidcVerifier } from './services/oidc-verifier.js';
import { type RequestReactor, RequestService } from './services/request-service.js';
import { VoteService } from './services/vote-service.js';

export interface ServerOptions {
  store: Store;
  policies: PolicyProvider;
  log: Logger;
  clock?: Clock;
  adminApiKey?: string | undefined;
  defaultRepository?: string | null;
  bodyLimitBytes?: number;
  sweepIntervalMs?: number;
  /** How often queued jobs are looked for besides when a change queues some. */
  jobIntervalMs?: number;
  shutdownGraceMs?: number;
  newId?: (prefix: string) => string;
  /** GitHub, Slack, webhooks…: each plugs in through the hooks of `Integration`. */
  integrations?: readonly IntegrationFactory[];
  /** Verifies GitHub Actions OIDC bearer tokens; without it only API keys are accepted. */
  oidc?: OidcVerifier;
  /** Refuses binding a key to a repository (GitHub mode: the app is not installed there). */
  repositoryCheck?: (repository: string) => Promise<void>;
  /**
   * Many instances (docs/operations.md, "Many instances"): announces decisions to the other
   * instances' waiters. Absent: one process, waiters woken in memory.
   */
  decisionBus?: DecisionBus;
  /** Runs periodic work (expiry sweeps, reconciliation) once across instances. Default: always runs. */
  clusterLock?: ClusterLock;
  /** Counts API keys' requests per minute. Default: in memory (one instance). */
  rateLimiter?: RateLimiter;
  /**
   * Many instances: key changes made elsewhere, so keys can be cached (api-key-service.ts). Absent:
   * every request reads its key.
   */
  keyChanges?: KeyChangeFeed;
}

export interface AgentGateServer {
  app: Express;
  requests: RequestService;
  votes: VoteService;
  keys: ApiKeyService;
  hub: DecisionHub;
  sweeper: ExpirySweeper;
  jobs: JobRunner;
  integrations: readonly Integration[];
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Graceful stop: refuse new connections, answer every long-poll waiter with the request's current
   * state, let in-flight requests finish (up to the grace period), then close the store.
   */
  close(): Promise<void>;
}

/** Wires the services and the HTTP app around the given ports. The composition root is `app/main.ts`. */
export function createServer(options: ServerOptions): AgentGateServer {
  const {
    store,
    policies,
    log,
    clock = systemClock,
    adminApiKey,
    defaultRepository = null,
    bodyLimitBytes = 1024 * 1024,
    sweepIntervalMs = 1000,
    jobIntervalMs = 1000,
    shutdownGraceMs = 10_000,
    newId = defaultNewId,
  } = options;
  const clusterLock = options.clusterLock ?? localClusterLock;
  const hub = new DecisionHub(
    options.decisionBus && { bus: options.decisionBus, read: (id) => store.getRequest(id), log },
  );
  const metrics = new Metrics(() => hub.size);
  const jobs = new JobRunner({ store, clock, log, intervalMs: jobIntervalMs });
  const reactors: RequestReactor[] = [];
  const requests = new RequestService({
    store,
    policies,
    clock,
    hub,
    log,
    defaultRepository,
    metrics,
    newId,
    reactors,
    onJobsQueued: () => jobs.wake(),
  });
  const votes = new VoteService({ store, clock, log, requests });
  const keys = new ApiKeyService({
    store,
    clock,
    newId,
    adminApiKey,
    checkRepository: options.repositoryCheck,
    keyChanges: options.keyChanges,
  });
  const sweeper = new ExpirySweeper(requests, log, sweepIntervalMs, clusterLock);
  const authenticator = {
    keys,
    limiter: options.rateLimiter ?? new SlidingWindowRateLimiter(),
    clock,
    oidc: options.oidc,
    prepaid: new PrepaidCalls(),
  };

  let http: Server | undefined;
  const selfUrl = () => {
    const address = http?.address();
    if (!address || typeof address === 'string') throw new Error('the server is not listening yet');
    return `http://127.0.0.1:${address.port}`;
  };
  const context = {
    store,
    clock,
    log,
    requests,
    votes,
    keys,
    policies,
    hub,
    jobs,
    authenticator,
    clusterLock,
    selfUrl,
  };
  const integrations = (options.integrations ?? []).map((create) => create(context));
  for (const integration of integrations) {
    if (integration.reactor) reactors.push(integration.reactor);
    for (const counter of integration.counters ?? []) metrics.addCounter(counter);
    for (const [kind, config] of Object.entries(integration.jobKinds ?? {})) jobs.register(kind, config);
  }

  let shuttingDown = false;
  const isShuttingDown = () => shuttingDown;

  const app = createApp({
    store,
    clock,
    log,
    keys,
    authenticator,
    requests,
    policies,
    metrics,
    integrations,
    bodyLimitBytes,
    // A GitHub integration is what makes this a GitHub App rather than a standalone server.
    mode: integrations.some((i) => i.name === 'github') ? 'github' : 'standalone',
    isShuttingDown,
  });
  const waitRoute = createWaitRoute({ authenticator, requests, metrics, log, isShuttingDown });
  const createRoute = createCreateRoute({
    authenticator,
    requests,
    metrics,
    log,
    bodyLimitBytes,
    isShuttingDown,
  });

  return {
    app,
    requests,
    votes,
    keys,
    hub,
    sweeper,
    jobs,
    integrations,
    async listen(port, host) {
      // Hear other instances' decisions before taking the first waiter.
      await hub.start();
      const address = await new Promise<AddressInfo>((resolve, reject) => {
        const server = createHttpServer((req, res) => {
          if (!waitRoute(req, res) && !createRoute(req, res)) app(req, res);
        });
        // Long-polls last up to 60 s; keep sockets and headers timeouts above that.
        server.requestTimeout = 90_000;
        server.keepAliveTimeout = 65_000;
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          http = server;
          resolve(server.address() as AddressInfo);
        });
      });
      for (const integration of integrations) await integration.start?.();
      sweeper.start();
      jobs.start();
      jobs.wake(); // work queued before a restart
      return address;
    },
    async close() {
      if (shuttingDown) return;
      shuttingDown = true;
      for (const integration of integrations) integration.closing?.();
      sweeper.stop();
      jobs.stop();
      const closed = http ? new Promise<void>((resolve) => http?.close(() => resolve())) : Promise.resolve();
      await requests.releaseWaiters();
      // Keep-alive sockets become idle as their last answers (the released waiters) are written.
      const reaper = setInterval(() => http?.closeIdleConnections(), 20);
      http?.closeIdleConnections();
      const grace = new Promise<'timeout'>((resolve) =>
        setTimeout(resolve, shutdownGraceMs, 'timeout').unref(),
      );
      if ((await Promise.race([closed, grace])) === 'timeout') {
        log.warn('shutdown: in-flight requests did not finish in time; closing their connections');
        http?.closeAllConnections();
        await closed;
      }
      clearInterval(reaper);
      await Promise.all([sweeper.idle(), jobs.idle()]);
      for (const integration of integrations) await integration.stop?.();
      await hub.close();
      await store.close();
    },
  };
}
