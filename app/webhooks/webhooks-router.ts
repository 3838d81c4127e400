import { Router } from 'express';
import { z } from 'zod';
import { CreateWebhookBodySchema, type Deleted, UpdateWebhookBodySchema } from '../../sdk/schemas.js';
import { principalOf, requireScope } from '../http/auth.js';
import { parseInput } from '../http/validate.js';
import type { WebhookService } from './webhook-service.js';

export const DeliveriesQuerySchema = z.strictObject({
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  limit: z
    .string()
    .regex(/^\d+$/, 'limit must be a whole number')
    .transform(Number)
    .pipe(z.number().min(1, 'limit must be at least 1').max(100, 'limit must be at most 100'))
    .default(50),
});

/** `/api/webhooks`: subscriptions, a test ping and the delivery log, all behind `webhook:manage`. */
export function createWebhooksRouter(webhooks: WebhookService): Router {
  const router = Router();
  router.use(requireScope('webhook:manage'));
  const idOf = (params: Record<string, unknown>) => String(params.id);

  router.post('/', async (req, res) => {
    const body = parseInput(CreateWebhookBodySchema, req.body, 'body');
    res.status(201).json(await webhooks.create(principalOf(res), body));
  });

  router.get('/', async (_req, res) => {
    res.json({ webhooks: await webhooks.list() });
  });

  router.get('/:id', async (req, res) => {
    res.json(await webhooks.get(idOf(req.params)));
  });

  router.patch('/:id', async (req, res) => {
    const body = parseInput(UpdateWebhookBodySchema, req.body, 'body');
    res.json(await webhooks.update(principalOf(res), idOf(req.params), body));
  });

  router.delete('/:id', async (req, res) => {
    const id = idOf(req.params);
    await webhooks.delete(principalOf(res), id);
    const body: Deleted = { success: true, id };
    res.json(body);
  });

  router.post('/:id/test', async (req, res) => {
    res.json(await webhooks.test(idOf(req.params)));
  });

  router.get('/:id/deliveries', async (req, res) => {
    const query = parseInput(DeliveriesQuerySchema, req.query, 'query');
    res.json({ deliveries: await webhooks.deliveries(idOf(req.params), query) });
  });

  return router;
}
