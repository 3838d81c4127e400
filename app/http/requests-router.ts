import { type Request, Router } from 'express';
import type { ApprovalRequest } from '../../sdk/schemas.js';
import {
  CancelBodySchema,
  CreateRequestBodySchema,
  DecideBodySchema,
  ListRequestsQuerySchema,
} from '../../sdk/schemas.js';
import type { Principal } from '../ports/store.js';
import { AppError } from '../services/app-error.js';
import type { RequestService } from '../services/request-service.js';
import { toWireRequest } from '../services/to-wire-request.js';
import { assertScope, principalOf, requireScope } from './auth.js';
import { assertStorableJson, parseInput } from './validate.js';

const idOf = (req: Request): string => String(req.params.id);

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * `POST /api/requests` once the body is parsed and the caller authenticated: checks the scope, the
 * body and the `Idempotency-Key`, creates (or replays) the request, and returns what to answer. The
 * express route below and the create route on node:http (create-route.ts) both run it.
 */
export async function createFromBody(
  requests: RequestService,
  principal: Principal,
  rawBody: unknown,
  idempotencyKey: string | undefined,
): Promise<{ request: ApprovalRequest; replayed: boolean }> {
  assertScope(principal, ['request:create']);
  assertStorableJson(rawBody);
  const body = parseInput(CreateRequestBodySchema, rawBody, 'body');
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new AppError('bad_request', 'Idempotency-Key must be 1–255 visible ASCII characters.');
  }
  const { request, replayed } = await requests.create(principal, body, idempotencyKey);
  return { request: toWireRequest(request), replayed };
}

export function createRequestsRouter(requests: RequestService): Router {
  const router = Router();
  const read = requireScope('request:read', 'request:create');

  router.post('/', async (req, res) => {
    const created = await createFromBody(requests, principalOf(res), req.body, req.get('idempotency-key'));
    if (created.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(201).json(created.request);
  });

  router.get('/', read, async (req, res) => {
    const query = parseInput(ListRequestsQuerySchema, req.query, 'query');
    const { requests: page, pagination } = await requests.list(principalOf(res), query);
    res.json({ requests: page.map(toWireRequest), pagination });
  });

  router.get('/:id', read, async (req, res) => {
    res.json(toWireRequest(await requests.get(principalOf(res), idOf(req))));
  });

  router.post('/:id/decide', requireScope('request:decide'), async (req, res) => {
    const body = parseInput(DecideBodySchema, req.body, 'body');
    res.json(toWireRequest(await requests.decide(principalOf(res), idOf(req), body)));
  });

  router.post('/:id/cancel', requireScope('request:create', 'request:decide'), async (req, res) => {
    const body = parseInput(CancelBodySchema, req.body ?? {}, 'body');
    res.json(toWireRequest(await requests.cancel(principalOf(res), idOf(req), body.reason)));
  });

  router.get('/:id/audit', read, async (req, res) => {
    res.json(await requests.audit(principalOf(res), idOf(req)));
  });

  return router;
}
