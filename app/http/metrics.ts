import type { RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { IntegrationCounter } from '../integration.js';
import type { RequestMetrics } from '../services/request-service.js';

/** The `route` label of API requests that matched no route. */
const UNMATCHED = 'unmatched';
/** More distinct routes than the API has, so only a bug could reach it; it still bounds the series. */
const MAX_ROUTE_LABELS = 100;

/** Prometheus metrics of one server (its own registry, so several servers can share a process). */
export class Metrics implements RequestMetrics {
  readonly registry = new Registry();
  readonly #routeLabels = new Set<string>();
  readonly #created = new Counter({
    name: 'agentgate_requests_created_total',
    help: 'Requests created, by policy decision.',
    labelNames: ['decision'],
    registers: [this.registry],
  });
  readonly #decided = new Counter({
    name: 'agentgate_requests_decided_total',
    help: 'Requests that reached a final status, by status.',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly #waits = new Histogram({
    name: 'agentgate_wait_duration_seconds',
    help: 'Time long-poll waiters spent waiting.',
    buckets: [0.01, 0.1, 0.5, 1, 5, 15, 30, 60],
    registers: [this.registry],
  });
  readonly #http = new Histogram({
    name: 'agentgate_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30, 60],
    registers: [this.registry],
  });

  constructor(waiters: () => number) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'agentgate_waiters',
      help: 'Long-poll waiters currently connected.',
      registers: [this.registry],
      collect() {
        this.set(waiters());
      },
    });
  }

  /** Exports an integration's counter (e.g. `agentgate_github_api_calls_total{outcome}`), read at each scrape. */
  addCounter(counter: IntegrationCounter): void {
    new Counter({
      name: counter.name,
      help: counter.help,
      labelNames: [counter.label],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [value, total] of Object.entries(counter.read()))
          this.inc({ [counter.label]: value }, total);
      },
    });
  }

  created(decision: string): void {
    this.#created.inc({ decision });
  }

  decided(status: string): void {
    this.#decided.inc({ status });
  }

  waited(seconds: number): void {
    this.#waits.observe(seconds);
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.#http.observe({ method, route, status: String(status) }, seconds);
  }

  /**
   * Observes every API request. The `route` label is the pattern of the route that matched
   * (`/api/requests/:id/decide`), never the raw path: express matches paths case-insensitively
   * and hands over the caller's casing in `req.baseUrl`, so 2,048 casings of one path once made
   * 2,048 series. The pattern is read when express picks the route (by then `req.baseUrl` is the
   * mount point; after an error it is not), lower-cased, as our mount points are. Paths that match
   * no route share `unmatched`, and past `MAX_ROUTE_LABELS` distinct labels new ones do too.
   */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const start = performance.now();
      let label = UNMATCHED;
      let route: unknown;
      Object.defineProperty(req, 'route', {
        configurable: true,
        enumerable: true,
        get: () => route,
        set: (value: unknown) => {
          route = value;
          label = this.#routeLabel(req.baseUrl, (value as { path?: unknown } | undefined)?.path);
        },
      });
      res.on('finish', () => {
        this.observeHttp(req.method, label, res.statusCode, (performance.now() - start) / 1000);
      });
      next();
    };
  }

  #routeLabel(baseUrl: string, path: unknown): string {
    if (typeof path !== 'string') return UNMATCHED;
    const label = `${baseUrl.toLowerCase()}${path === '/' ? '' : path}` || '/';
    if (this.#routeLabels.has(label)) return label;
    if (this.#routeLabels.size >= MAX_ROUTE_LABELS) return UNMATCHED;
    this.#routeLabels.add(label);
    return label;
  }
}
