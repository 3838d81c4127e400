/**
 * The console's pages for signed-in viewers: the queue and history (`/`), a request
 * (`/requests/:id`) and its decide POST, the policies in force, the admin pages (`/keys`,
 * `/webhooks`) and the live-update stream (`/console/events`). What a viewer may see and do is
 * `ViewerAccess`'s to say.
 */
import type { Response, Router } from 'express';
import { z } from 'zod';
import { RepositoryNameSchema, UrgencySchema } from '../../sdk/schemas.js';
import { errorResponse } from '../http/error-handler.js';
import { summarizePolicySet } from '../policy/index.js';
import type { RequestRecord } from '../ports/store.js';
import { consoleRequestUrl } from '../render/github-links.js';
import { AppError } from '../services/app-error.js';
import { ruleDescriptionsOf } from '../services/rule-descriptions.js';
import type { ConsoleKit } from './console-kit.js';
import { explainRequest } from './explain-request.js';
import { safeHttpUrl } from './html.js';
import { setSecurityHeaders } from './http-helpers.js';
import { renderKeys, renderPolicies, renderWebhooks } from './pages/admin-pages.js';
import { renderMessage } from './pages/login-page.js';
import { type QueueFilter, renderQueue } from './pages/queue-page.js';
import { renderRequest } from './pages/request-page.js';
import { isAdmin, type Viewer, viewerName } from './viewer-access.js';

const QueueQuerySchema = z.object({
  status: z.enum(['pending', 'decided', 'approved', 'denied', 'expired', 'cancelled']).default('pending'),
  repository: z.union([RepositoryNameSchema, z.literal('')]).optional(),
  action: z.string().max(200).optional(),
  urgency: z.union([UrgencySchema, z.literal('')]).optional(),
});
const DecideFormSchema = z.object({
  decision: z.enum(['approve', 'deny'], { message: 'Choose Approve or Deny.' }),
  reason: z.string().max(2000, 'The reason is at most 2000 characters.').optional(),
});

export function mountPages(router: Router, kit: ConsoleKit): void {
  const { deps, context, sessions, live, github, access, viewerOf, chrome, page, signedIn, signedInPost } =
    kit;
  router.get(
    '/',
    signedIn(async (req, res, viewer) => {
      const query = QueueQuerySchema.safeParse(req.query);
      if (!query.success) {
        throw new AppError(
          'validation_failed',
          'The filter is not valid: repository is "owner/name", urgency one of low, normal, high, critical, status pending or decided.',
        );
      }
      const filter: QueueFilter = {
        status: query.data.status,
        repository: query.data.repository || undefined,
        action: query.data.action || undefined,
        urgency: query.data.urgency || undefined,
      };
      const { requests, truncated } = await access.queue(viewer, filter);
      const scopeNote =
        viewer.kind === 'github'
          ? 'Requests of the repositories you can read on GitHub.'
          : viewer.principal.scopes.has('admin') || viewer.principal.scopes.has('request:read')
            ? null
            : 'Only the requests your key made (it lacks the request:read scope).';
      page(
        res,
        200,
        chrome(
          viewer,
          filter.status === 'pending' ? 'Queue' : 'History',
          filter.status === 'pending' ? 'queue' : 'history',
          { kind: 'queue' },
        ),
        renderQueue({ filter, requests, truncated, scopeNote }),
      );
    }),
  );

  async function requestPage(
    res: Response,
    viewer: Viewer,
    request: RequestRecord,
    status: number,
    notice: { kind: 'ok' | 'bad'; text: string } | null,
  ) {
    const [audit, ruleDescriptions, traces, issue, checkRun] = await Promise.all([
      access.audit(viewer, request),
      ruleDescriptionsOf(context.policies, request),
      explainRequest(context.policies, request),
      context.store.getGitHubIssue(request.id),
      context.store.getGitHubCheckRun(request.id),
    ]);
    const links = [
      ...(issue && safeHttpUrl(issue.url) ? [{ label: 'GitHub issue', url: issue.url }] : []),
      ...(checkRun && safeHttpUrl(checkRun.url) ? [{ label: 'Check run', url: checkRun.url }] : []),
    ];
    const reviewUrl = safeHttpUrl(request.review?.url);
    if (reviewUrl && !links.some((l) => l.url === reviewUrl))
      links.push({ label: 'Reviewed at', url: reviewUrl });
    page(
      res,
      status,
      chrome(viewer, request.action.slice(0, 80), 'queue', { kind: 'request', id: request.id }),
      renderRequest({
        request,
        audit,
        ruleDescriptions,
        traces,
        links,
        decide: access.decideAbility(viewer),
        notice,
        csrf: sessions.csrfToken(viewer.session),
      }),
    );
  }

  router.get(
    '/requests/:id',
    signedIn(async (req, res, viewer) => {
      const request = await access.request(viewer, String(req.params.id));
      await requestPage(res, viewer, request, 200, null);
    }),
  );

  router.post(
    '/requests/:id/decide',
    signedInPost(async (req, res, viewer, form) => {
      const request = await access.request(viewer, String(req.params.id));
      const parsed = DecideFormSchema.safeParse(form);
      if (!parsed.success) {
        await requestPage(res, viewer, request, 400, {
          kind: 'bad',
          text: parsed.error.issues[0]?.message ?? 'Choose Approve or Deny.',
        });
        return;
      }
      const reason = parsed.data.reason?.trim() || null;
      let outcome: { ok: boolean; status: number; text: string };
      try {
        outcome = await access.decide(
          viewer,
          request,
          parsed.data.decision,
          reason,
          // Shown next to the vote on GitHub: only a public address is worth linking there.
          deps.publicUrl ? consoleRequestUrl(deps.publicUrl, request.id) : null,
        );
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        outcome = { ok: false, status: errorResponse(error).status, text: error.message };
      }
      context.log.info(
        { requestId: request.id, by: viewerName(viewer), decision: parsed.data.decision, ok: outcome.ok },
        'console decision',
      );
      const current = (await context.store.getRequest(request.id)) ?? request;
      await requestPage(res, viewer, current, outcome.status, {
        kind: outcome.ok ? 'ok' : 'bad',
        text: outcome.text,
      });
    }),
  );

  router.get(
    '/policies',
    signedIn(async (req, res, viewer) => {
      const named =
        typeof req.query.repository === 'string' && req.query.repository !== '' ? req.query.repository : null;
      if (named !== null && !RepositoryNameSchema.safeParse(named).success) {
        throw new AppError('validation_failed', 'repository must be "owner/name".');
      }
      let repository: string | null;
      if (viewer.kind === 'key') {
        if (viewer.principal.repository && named && named !== viewer.principal.repository) {
          throw new AppError(
            'forbidden',
            `Your key is bound to ${viewer.principal.repository}; it sees only that repository's policies.`,
          );
        }
        repository = viewer.principal.repository ?? named;
      } else {
        if (!named) {
          page(
            res,
            200,
            chrome(viewer, 'Policies', 'policies'),
            renderMessage({
              heading: 'Policies in force',
              text: 'Open a request to see the rules that routed it, or add ?repository=owner/name for a repository you can read.',
            }),
          );
          return;
        }
        if (!github || !(await github.canRead(named, viewer.login)))
          throw new AppError('not_found', `No repository ${named} that you can read.`);
        repository = named;
      }
      const active = await context.policies.active(repository);
      const summary = summarizePolicySet(active.policySet);
      page(
        res,
        200,
        chrome(viewer, 'Policies', 'policies'),
        renderPolicies(
          {
            repository,
            version: summary.version,
            source: summary.source,
            rules: summary.rules,
            errors: active.errors,
            warnings: active.warnings,
          },
          viewer.kind === 'github' || !viewer.principal.repository,
        ),
      );
    }),
  );

  const adminOnly = (viewer: Viewer) => {
    if (!isAdmin(viewer)) {
      throw new AppError(
        'forbidden',
        `This page is for admins: sign in with a key that has the "admin" scope (you are ${viewerName(viewer)}).`,
      );
    }
  };

  router.get(
    '/keys',
    signedIn(async (_req, res, viewer) => {
      adminOnly(viewer);
      page(res, 200, chrome(viewer, 'API keys', 'keys'), renderKeys(await context.keys.list()));
    }),
  );

  router.get(
    '/webhooks',
    signedIn(async (_req, res, viewer) => {
      adminOnly(viewer);
      const webhooks = await context.store.listWebhooks();
      const hooks = await Promise.all(
        webhooks.map(async (webhook) => ({
          webhook,
          deliveries: await context.store.listDeliveries({ webhookId: webhook.id, limit: 20 }),
        })),
      );
      page(res, 200, chrome(viewer, 'Webhooks', 'webhooks'), renderWebhooks(hooks));
    }),
  );

  router.get('/console/events', async (req, res) => {
    try {
      const viewer = await viewerOf(req);
      setSecurityHeaders(res);
      if (!viewer) {
        res.status(401).type('text').send('Sign in first.');
        return;
      }
      const watch =
        typeof req.query.request === 'string' && req.query.request.length <= 200 ? req.query.request : null;
      if (watch !== null) await access.request(viewer, watch); // only requests the viewer may read
      if (!live.add(res, watch))
        res
          .status(503)
          .type('text')
          .send('Too many live pages are open; this page refreshes every minute instead.');
    } catch (error) {
      if (!res.headersSent)
        res
          .status(error instanceof AppError ? errorResponse(error).status : 500)
          .type('text')
          .send('Not available.');
    }
  });
}
