import express, { type Express, type RequestHandler } from 'express';
import type { Health } from '../../sdk/schemas.js';
import type { Integration } from '../integration.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { PolicyProvider } from '../ports/policy-provider.js';
import type { Store } from '../ports/store.js';
import type { ApiKeyService } from '../services/api-key-service.js';
import { AppError } from '../services/app-error.js';
import type { RequestService } from '../services/request-service.js';
import { VERSION } from '../version.js';
import { createAuditRouter, createKeysRouter, createPoliciesRouter } from './admin-routers.js';
import { type Authenticator, authenticate } from './auth.js';
import { createErrorHandler } from './error-handler.js';
import type { Metrics } from './metrics.js';
import { jsonBody } from './read-body.js';
import { createRequestsRouter } from './requests-router.js';

export interface AppDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  keys: ApiKeyService;
  authenticator: Authenticator;
  requests: RequestService;
  policies: PolicyProvider;
  metrics: Metrics;
  integrations: readonly Integration[];
  bodyLimitBytes: number;
  mode: Health['mode'];
  isShuttingDown: () => boolean;
}

/** A body is only accepted as JSON: anything else is a 415 that says so, never a silent `{}`. */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) {
    throw new AppError(
      'unsupported_media_type',
      'Send the body as JSON with "Content-Type: application/json".',
    );
  }
  next();
};

/**
 * The HTTP surface (but for the long-poll, see `wait-route.ts`). Body parsers are mounted on `/api` only, so a Probot webhook middleware mounted
 * before this app's routes still receives the raw body it signs.
 */
export function createApp(deps: AppDeps): Express {
  const { store, clock, log, keys, requests, policies, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (deps.isShuttingDown()) res.setHeader('Connection', 'close');
    next();
  });

  app.get('/health', async (_req, res) => {
    const body: Health = {
      status: deps.isShuttingDown() ? 'shutting_down' : 'ok',
      mode: deps.mode,
      version: VERSION,
      timestamp: clock.now().toISOString(),
      // The Action reads it to ask GitHub for a token this server (and no other) accepts.
      ...(deps.authenticator.oidc && { oidcAudience: deps.authenticator.oidc.audience }),
    };
    // Every call checks that this instance reaches its store (a load balancer takes an instance that
    // cannot out of rotation on the 503); `deep=true` is still accepted and does the same.
    try {
      await store.ping();
      body.checks = { database: 'ok' };
    } catch (error) {
      log.error({ err: error }, 'health check: database unreachable');
      body.checks = { database: 'error' };
      if (body.status === 'ok') body.status = 'degraded';
    }
    const integrations = Object.fromEntries(deps.integrations.map((i) => [i.name, i.health?.() ?? {}]));
    res.status(body.status === 'ok' ? 200 : 503).json({ ...body, store: store.kind, integrations });
  });

  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  for (const integration of deps.integrations) integration.mountRaw?.(app);

  const api = express.Router();
  api.use(metrics.middleware());
  api.use(requireJsonBody);
  api.use(jsonBody(deps.bodyLimitBytes));
  api.use(authenticate(deps.authenticator));
  api.use('/requests', createRequestsRouter(requests));
  api.use('/policies', createPoliciesRouter(policies, requests));
  api.use(['/api-keys', '/keys'], createKeysRouter(keys));
  api.use('/audit', createAuditRouter(store));
  for (const integration of deps.integrations) integration.mountApi?.(api);
  api.use((req) => {
    throw new AppError(
      'not_found',
      `There is no ${req.method} ${req.baseUrl}${req.path}; see docs/api.md for the routes.`,
    );
  });
  app.use('/api', api);

  app.use((req, res) => {
    res.status(404).json({ error: `There is no ${req.method} ${req.path}.`, code: 'not_found' });
  });
  app.use(createErrorHandler(log, deps.bodyLimitBytes));
  return app;
}
