import type { RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestMetrics } from '../services/request-service.js';

/** Prometheus metrics of one server (its own registry, so several servers can share a process). */
export class Metrics implements RequestMetrics {
  readonly registry = new Registry();
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

  /** Observes every API request; the route label is the matched pattern, never the raw path. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const start = performance.now();
      res.on('finish', () => {
        const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
        this.observeHttp(req.method, route, res.statusCode, (performance.now() - start) / 1000);
      });
      next();
    };
  }
}
