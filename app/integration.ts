import type { Express, Router } from 'express';
import type { Authenticator } from './http/auth.js';
import type { Logger } from './logger.js';
import type { Clock } from './ports/clock.js';
import type { ClusterLock } from './ports/cluster-lock.js';
import type { PolicyProvider } from './ports/policy-provider.js';
import type { Store } from './ports/store.js';
import type { ApiKeyService } from './services/api-key-service.js';
import type { DecisionHub } from './services/decision-hub.js';
import type { JobKind, JobRunner } from './services/job-runner.js';
import type { RequestReactor, RequestService } from './services/request-service.js';
import type { VoteService } from './services/vote-service.js';

/** What an integration may use: the server's services, built once by `createServer`. */
export interface IntegrationContext {
  store: Store;
  clock: Clock;
  log: Logger;
  requests: RequestService;
  /** Counts votes from any channel (GitHub, Slack) toward quorum. */
  votes: VoteService;
  keys: ApiKeyService;
  policies: PolicyProvider;
  hub: DecisionHub;
  jobs: JobRunner;
  authenticator: Authenticator;
  /** Runs periodic work (reconciliation) on one instance at a time, about once per interval. */
  clusterLock: ClusterLock;
  /** This server's own base URL (`http://127.0.0.1:<port>`), known once it listens. */
  selfUrl(): string;
}

/**
 * A part of AgentGate beyond the core (GitHub, Slack, outgoing webhooks, MCP over HTTP). It plugs
 * in through these hooks only, so the core never imports it and each can be tested alone.
 */
export interface Integration {
  name: string;
  /** Jobs to queue with request changes. */
  reactor?: RequestReactor;
  /** Job kinds it runs (outbox work such as "github.create_issue"). */
  jobKinds?: Record<string, JobKind>;
  /** Routes that need the raw body or their own auth (e.g. signed webhooks), mounted before the API. */
  mountRaw?(app: Express): void;
  /** Routes under `/api`, mounted after authentication and JSON parsing. */
  mountApi?(api: Router): void;
  /** Counters it exports at `/metrics`, read at each scrape. */
  counters?: IntegrationCounter[];
  /** What `GET /health` reports about it. */
  health?(): Record<string, unknown>;
  start?(): void | Promise<void>;
  /** Told as shutdown begins, before in-flight requests are awaited: end long-lived streams (SSE). */
  closing?(): void;
  stop?(): void | Promise<void>;
}

/** A Prometheus counter kept by an integration: one label, a few fixed values. */
export interface IntegrationCounter {
  name: string;
  help: string;
  label: string;
  /** Totals so far by label value. */
  read(): Record<string, number>;
}

export type IntegrationFactory = (context: IntegrationContext) => Integration;
