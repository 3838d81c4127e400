import { Router } from 'express';
import {
  type ApiKeyList,
  CreateApiKeyBodySchema,
  EvaluateBodySchema,
  ListAuditQuerySchema,
  type PolicySummary,
  RepositoryNameSchema,
  type RevokedApiKey,
  UpdateApiKeyBodySchema,
} from '../../sdk/schemas.js';
import { summarizePolicySet } from '../policy/index.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { PolicyProvider } from '../ports/policy-provider.js';
import type { ApiKeyService } from '../services/api-key-service.js';
import { AppError } from '../services/app-error.js';
import type { RequestService } from '../services/request-service.js';
import { principalOf, requireScope } from './auth.js';
import { assertStorableJson, parseInput } from './validate.js';

export function createKeysRouter(keys: ApiKeyService): Router {
  const router = Router();
  router.use(requireScope('admin'));
  router.post('/', async (req, res) => {
    const body = parseInput(CreateApiKeyBodySchema, req.body, 'body');
    res.status(201).json(await keys.create(body, principalOf(res).actor));
  });
  router.get('/', async (_req, res) => {
    const body: ApiKeyList = { keys: await keys.list() };
    res.json(body);
  });
  router.patch('/:id', async (req, res) => {
    const body = parseInput(UpdateApiKeyBodySchema, req.body, 'body');
    res.json(await keys.update(String(req.params.id), body, principalOf(res).actor));
  });
  router.delete('/:id', async (req, res) => {
    const revoked: RevokedApiKey = {
      ...(await keys.revoke(String(req.params.id), principalOf(res).actor)),
      success: true,
    };
    res.json(revoked);
  });
  return router;
}

export function createPoliciesRouter(policies: PolicyProvider, requests: RequestService): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const principal = principalOf(res);
    const named = typeof req.query.repository === 'string' ? req.query.repository : undefined;
    if (named !== undefined && !RepositoryNameSchema.safeParse(named).success) {
      throw new AppError('validation_failed', 'repository must be "owner/name".');
    }
    const repository = principal.repository ?? named ?? null;
    if (principal.repository && named && named !== principal.repository) {
      throw new AppError('forbidden', `This key is bound to ${principal.repository}.`);
    }
    const active = await policies.active(repository);
    const summary: PolicySummary = {
      ...summarizePolicySet(active.policySet),
      errors: active.errors,
      warnings: active.warnings,
    };
    res.json(summary);
  });
  router.post('/evaluate', async (req, res) => {
    assertStorableJson(req.body);
    const body = parseInput(EvaluateBodySchema, req.body, 'body');
    res.json(await requests.evaluate(principalOf(res), body));
  });
  // Policies are code: the original AgentGate's policy writes have no equivalent here.
  router.all(['/', '/*rest'], (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      next();
      return;
    }
    throw new AppError(
      'method_not_allowed',
      'Policies are code: change them with a pull request to the policies/ directory of the repository ' +
        '(in standalone mode, the files in AGENTGATE_POLICY_DIR); this API only reads them. To try a change ' +
        'first, POST the request to /api/policies/evaluate or run "agentgate policy explain".',
      undefined,
      { Allow: req.path === '/evaluate' ? 'POST' : 'GET, HEAD' },
    );
  });
  return router;
}

export function createAuditRouter(store: AuditLog): Router {
  const router = Router();
  router.get('/', requireScope('admin'), async (req, res) => {
    const q = parseInput(ListAuditQuerySchema, req.query, 'query');
    res.json(
      await store.listAudit({
        ...(q.requestId && { requestId: q.requestId }),
        ...(q.eventType && { eventType: q.eventType }),
        ...(q.actor && { actor: q.actor }),
        ...(q.since && { since: new Date(q.since).toISOString() }),
        ...(q.until && { until: new Date(q.until).toISOString() }),
        limit: q.limit,
        offset: q.offset,
      }),
    );
  });
  return router;
}
