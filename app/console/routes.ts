/**
 * The console's routes (docs/console.md): sign-in (`/login`, `/login/github`, its callback,
 * `/logout`), the pages (`/`, `/requests/:id`, `/policies`, `/keys`, `/webhooks`), the decide
 * POST, the live-update stream (`/console/events`) and signed decision links (`/d/<token>`).
 * Every state change is a POST; every POST but a decision link's carries the session's CSRF token
 * (a decision link's token is itself the single-use capability). Every page is built by `html`.
 */
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { RepositoryNameSchema, UrgencySchema } from '../../sdk/schemas.js';
import type { Qualification } from '../approvals/qualify-voter.js';
import { errorResponse } from '../http/error-handler.js';
import type { IntegrationContext } from '../integration.js';
import { summarizePolicySet } from '../policy/index.js';
import type { RequestRecord } from '../ports/store.js';
import { AppError } from '../services/app-error.js';
import { ruleDescriptionsOf } from '../services/rule-descriptions.js';
import { decisionLinkClaim, verifyDecisionLink } from './decision-links.js';
import type { ConsoleGitHubAccess } from './github-access.js';
import { authorizeUrl, signedInUser } from './github-sign-in.js';
import { type SafeHtml, safeHttpUrl } from './html.js';
import {
  clearSessionCookie,
  cookieSettingsFor,
  readCookie,
  readForm,
  safeNext,
  sendHtml,
  setSecurityHeaders,
  setSessionCookie,
} from './http-helpers.js';
import type { LiveUpdates } from './live-updates.js';
import { renderKeys, renderPolicies, renderWebhooks } from './pages/admin-pages.js';
import { renderDecisionLink } from './pages/decision-link-page.js';
import { type Chrome, renderPage, type Section } from './pages/layout.js';
import { renderLogin, renderMessage } from './pages/login-page.js';
import { type QueueFilter, renderQueue } from './pages/queue-page.js';
import { renderRequest } from './pages/request-page.js';
import type { ConsoleSessions, Session } from './session.js';
import { isAdmin, REFUSALS, type Viewer, ViewerAccess, viewerName } from './viewer-access.js';

export interface ConsoleRouteDeps {
  context: IntegrationContext;
  sessions: ConsoleSessions;
  live: LiveUpdates;
  github: ConsoleGitHubAccess | null;
  linksKey: Buffer;
  decisionLinkQualifier: ((request: RequestRecord, recipient: string) => Promise<Qualification>) | null;
  publicUrl: string | null;
  assets: Chrome['assets'];
  loginAttemptsPerMinute: number;
}

const QueueQuerySchema = z.object({
  status: z.enum(['pending', 'decided', 'approved', 'denied', 'expired', 'cancelled']).default('pending'),
  repository: z.union([RepositoryNameSchema, z.literal('')]).optional(),
  action: z.string().max(200).optional(),
  urgency: z.union([UrgencySchema, z.literal('')]).optional(),
});
const LoginFormSchema = z.object({ apiKey: z.string().trim().min(1).max(512), next: z.string().optional() });
const DecideFormSchema = z.object({
  decision: z.enum(['approve', 'deny'], { message: 'Choose Approve or Deny.' }),
  reason: z.string().max(2000, 'The reason is at most 2000 characters.').optional(),
});
const CallbackQuerySchema = z.object({
  code: z.string().min(1).max(200),
  state: z.string().min(1).max(1200),
});
const LinkFormSchema = z.object({
  token: z.string().min(1).max(2048),
  reason: z.string().max(2000).optional(),
});

const CSRF_REFUSAL =
  'This form was refused: it did not carry this session’s security token (it may be stale, or sent from another site). Reload the page and try again.';

export function createConsoleRouter(deps: ConsoleRouteDeps): Router {
  const { context, sessions, live, github } = deps;
  const access = new ViewerAccess(context, github);
  const router = Router();
  const baseUrl = () => deps.publicUrl ?? context.selfUrl();

  const cookies = (req: Request) => cookieSettingsFor(req, deps.publicUrl);
  const sessionOf = (req: Request): Session | null => sessions.open(readCookie(req, cookies(req).name));
  const startSession = (req: Request, res: Response, session: Session) =>
    setSessionCookie(
      res,
      cookies(req),
      sessions.seal(session),
      Math.max(0, session.exp - Math.floor(context.clock.now().getTime() / 1000)),
    );

  async function viewerOf(req: Request): Promise<Viewer | null> {
    const session = sessionOf(req);
    if (!session || session.kind === 'anonymous') return null;
    if (session.kind === 'github')
      return github?.oauth ? { kind: 'github', session, login: session.login, bot: session.bot } : null;
    const key = await context.keys.findActive(session.keyId);
    if (!key || sessions.keyCheckOf(key.keyHash) !== session.keyCheck) return null;
    return { kind: 'key', session, principal: key.principal };
  }

  const chrome = (
    viewer: Viewer | null,
    title: string,
    section: Section | null = null,
    live: Chrome['live'] = null,
  ): Chrome => ({
    title,
    viewer: viewer && {
      label:
        viewer.kind === 'key'
          ? `API key ${viewer.principal.actor.replace(/^api:/, '')}`
          : `GitHub ${viewer.login}`,
      isAdmin: isAdmin(viewer),
    },
    csrf: viewer ? sessions.csrfToken(viewer.session) : null,
    section,
    live,
    assets: deps.assets,
  });

  const page = (res: Response, status: number, c: Chrome, content: SafeHtml) =>
    sendHtml(res, status, renderPage(c, content));

  function fail(res: Response, viewer: Viewer | null, error: unknown): void {
    if (error instanceof AppError) {
      const { status, headers } = errorResponse(error);
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      const heading = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : 'That did not work';
      page(
        res,
        status,
        chrome(viewer, heading),
        renderMessage({ heading, text: error.message, back: { href: '/', label: 'Back to the queue' } }),
      );
      return;
    }
    context.log.error({ err: error }, 'console page failed');
    page(
      res,
      500,
      chrome(viewer, 'Error'),
      renderMessage({
        heading: 'Something went wrong',
        text: 'The server could not show this page; the error is logged. Try again shortly.',
      }),
    );
  }

  /** A page for signed-in viewers; others are sent to sign in and brought back. */
  const signedIn =
    (handler: (req: Request, res: Response, viewer: Viewer) => Promise<void>) =>
    async (req: Request, res: Response) => {
      let viewer: Viewer | null = null;
      try {
        viewer = await viewerOf(req);
        if (!viewer) {
          setSecurityHeaders(res);
          res.redirect(303, `/login?next=${encodeURIComponent(safeNext(req.originalUrl))}`);
          return;
        }
        await handler(req, res, viewer);
      } catch (error) {
        fail(res, viewer, error);
      }
    };

  /** A POST of a signed-in viewer: the form read, its CSRF token checked first. */
  const signedInPost =
    (
      handler: (req: Request, res: Response, viewer: Viewer, form: Record<string, unknown>) => Promise<void>,
    ) =>
    async (req: Request, res: Response) => {
      let viewer: Viewer | null = null;
      try {
        viewer = await viewerOf(req);
        const form = await readForm(req, res);
        if (!viewer || !sessions.checkCsrf(viewer.session, form._csrf)) {
          page(
            res,
            403,
            chrome(viewer, 'Refused'),
            renderMessage({
              heading: 'Refused',
              text: viewer ? CSRF_REFUSAL : 'Sign in first: this form needs a signed-in session.',
              back: { href: '/login', label: 'Sign in' },
            }),
          );
          return;
        }
        await handler(req, res, viewer, form);
      } catch (error) {
        fail(res, viewer, error);
      }
    };

  // --- Sign-in ---------------------------------------------------------------------------------

  function loginPage(
    req: Request,
    res: Response,
    status: number,
    notice: { kind: 'bad' | 'info'; text: string } | null,
    next: string,
  ) {
    let session = sessionOf(req);
    if (!session) {
      session = sessions.create({ kind: 'anonymous' });
      startSession(req, res, session);
    }
    page(
      res,
      status,
      chrome(null, 'Sign in'),
      renderLogin({ csrf: sessions.csrfToken(session), github: !!github?.oauth, next, notice }),
    );
  }

  router.get('/login', async (req, res) => {
    try {
      const next = safeNext(req.query.next);
      if (await viewerOf(req)) {
        setSecurityHeaders(res);
        res.redirect(303, next);
        return;
      }
      loginPage(req, res, 200, null, next);
    } catch (error) {
      fail(res, null, error);
    }
  });

  router.post('/login', async (req, res) => {
    try {
      const form = await readForm(req, res);
      const session = sessionOf(req);
      const next = safeNext(form.next);
      if (!sessions.checkCsrf(session, form._csrf)) {
        loginPage(req, res, 403, { kind: 'bad', text: CSRF_REFUSAL }, next);
        return;
      }
      const where = `console-login:${req.socket.remoteAddress ?? 'unknown'}`;
      const rate = await context.authenticator.limiter.take(
        where,
        deps.loginAttemptsPerMinute,
        context.clock.now().getTime(),
      );
      if (!rate.allowed) {
        res.setHeader('Retry-After', String(rate.retryAfterSeconds));
        loginPage(
          req,
          res,
          429,
          {
            kind: 'bad',
            text: `Too many sign-in attempts from your address; try again in ${rate.retryAfterSeconds} s.`,
          },
          next,
        );
        return;
      }
      const parsed = LoginFormSchema.safeParse(form);
      if (!parsed.success) {
        loginPage(req, res, 400, { kind: 'bad', text: 'Enter an API key (it starts with "agk_").' }, next);
        return;
      }
      let principal: Awaited<ReturnType<typeof context.keys.authenticate>>;
      try {
        principal = await context.keys.authenticate(parsed.data.apiKey);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        loginPage(req, res, 401, { kind: 'bad', text: `That key was not accepted: ${error.message}` }, next);
        return;
      }
      const key = await context.keys.findActive(principal.keyId);
      if (!key)
        throw new AppError(
          'unauthorized',
          'That key was revoked a moment ago; ask an admin for a valid key.',
        );
      if (session) sessions.signOut(session);
      startSession(
        req,
        res,
        sessions.create({ kind: 'key', keyId: principal.keyId, keyCheck: sessions.keyCheckOf(key.keyHash) }),
      );
      context.log.info({ actor: principal.actor }, 'console sign-in with an API key');
      setSecurityHeaders(res);
      res.redirect(303, next);
    } catch (error) {
      fail(res, null, error);
    }
  });

  router.get('/login/github', async (req, res) => {
    try {
      if (!github?.oauth)
        throw new AppError(
          'not_found',
          'GitHub sign-in is not configured on this server (GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET).',
        );
      let session = sessionOf(req);
      if (session?.kind !== 'anonymous') {
        session = sessions.create({ kind: 'anonymous' });
        startSession(req, res, session);
      }
      setSecurityHeaders(res);
      res.redirect(
        303,
        authorizeUrl(
          github.oauth,
          `${baseUrl()}/login/github/callback`,
          sessions.oauthState(session, safeNext(req.query.next)),
        ),
      );
    } catch (error) {
      fail(res, null, error);
    }
  });

  router.get('/login/github/callback', async (req, res) => {
    try {
      if (!github?.oauth) throw new AppError('not_found', 'GitHub sign-in is not configured on this server.');
      const query = CallbackQuerySchema.safeParse(req.query);
      const session = sessionOf(req);
      const next = query.success ? sessions.checkOauthState(session, query.data.state) : null;
      if (!query.success || next === null) {
        loginPage(
          req,
          res,
          403,
          {
            kind: 'bad',
            text: 'The GitHub sign-in could not be matched to this browser (it may have expired, or been started elsewhere). Sign in again.',
          },
          '/',
        );
        return;
      }
      const user = await signedInUser(github.oauth, query.data.code, `${baseUrl()}/login/github/callback`);
      if (session) sessions.signOut(session);
      startSession(req, res, sessions.create({ kind: 'github', login: user.login, bot: user.bot }));
      context.log.info({ login: user.login }, 'console sign-in with GitHub');
      setSecurityHeaders(res);
      res.redirect(303, safeNext(next));
    } catch (error) {
      fail(res, null, error);
    }
  });

  router.post(
    '/logout',
    signedInPost(async (req, res, viewer) => {
      sessions.signOut(viewer.session);
      clearSessionCookie(res, cookies(req));
      setSecurityHeaders(res);
      res.redirect(303, '/login');
    }),
  );

  // --- Pages -----------------------------------------------------------------------------------

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
    const [audit, ruleDescriptions, issue, checkRun] = await Promise.all([
      access.audit(viewer, request),
      ruleDescriptionsOf(context.policies, request),
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
          `${baseUrl()}/requests/${encodeURIComponent(request.id)}`,
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

  // --- Signed decision links -------------------------------------------------------------------

  const linkProblem: Record<string, { status: number; text: string }> = {
    malformed: {
      status: 400,
      text: 'This link is not valid: it may have been cut short when it was copied. Open it from the message again.',
    },
    bad_signature: {
      status: 400,
      text: 'This link is not valid: it was not issued by this server, or was altered.',
    },
    expired: {
      status: 410,
      text: 'This link has expired. Ask for the request to be sent again, or sign in to decide.',
    },
  };

  async function linkTarget(res: Response, token: string) {
    if (!deps.decisionLinkQualifier)
      throw new AppError('not_found', 'Decision links are not enabled on this server.');
    const verified = verifyDecisionLink(deps.linksKey, token, context.clock.now());
    if (!verified.ok) {
      const problem = linkProblem[verified.problem] ?? { status: 400, text: 'This link is not valid.' };
      page(
        res,
        problem.status,
        chrome(null, 'Decision link'),
        renderMessage({ heading: 'This link cannot be used', text: problem.text }),
      );
      return null;
    }
    const request = await context.store.getRequest(verified.link.requestId);
    if (!request) throw new AppError('not_found', 'The request this link names no longer exists.');
    return { link: verified.link, request };
  }

  router.get('/d/:token', async (req, res) => {
    try {
      const token = String(req.params.token);
      const target = await linkTarget(res, token);
      if (!target) return;
      const { link, request } = target;
      const notice =
        request.status === 'pending'
          ? null
          : {
              kind: 'info' as const,
              text: `This request is already ${request.status}; the link cannot change it.`,
            };
      page(
        res,
        200,
        chrome(null, 'Confirm your decision'),
        renderDecisionLink({
          request,
          token,
          recipient: link.recipient,
          decision: link.decision,
          notice,
          canConfirm: request.status === 'pending',
        }),
      );
    } catch (error) {
      fail(res, null, error);
    }
  });

  router.post('/d/:token', async (req, res) => {
    try {
      const form = LinkFormSchema.safeParse(await readForm(req, res));
      if (!form.success || form.data.token !== String(req.params.token)) {
        throw new AppError(
          'bad_request',
          'Confirm from the page the link opened: the form did not carry its token.',
        );
      }
      const target = await linkTarget(res, form.data.token);
      if (!target) return;
      const { link, request } = target;
      const show = (status: number, kind: 'ok' | 'bad' | 'info', text: string, current: RequestRecord) =>
        page(
          res,
          status,
          chrome(null, 'Decision link'),
          renderDecisionLink({
            request: current,
            token: form.data.token,
            recipient: link.recipient,
            decision: link.decision,
            notice: { kind, text },
            canConfirm: false,
          }),
        );
      if (request.status !== 'pending')
        return show(409, 'info', `This request is already ${request.status}; a decision is final.`, request);
      const qualifier = deps.decisionLinkQualifier;
      if (!qualifier) return;
      const qualification = await qualifier(request, link.recipient);
      const ballot = {
        voter: link.recipient,
        decision: link.decision,
        reason: form.data.reason?.trim() || null,
        source: 'email',
        qualifiesFor: qualification.qualifiesFor,
        url: null,
      };
      if (qualification.qualifiesFor.length === 0) {
        await context.votes.castVote(request.id, ballot); // recorded as a refused vote; the link stays unused
        return show(
          403,
          'bad',
          `Your ${link.decision === 'approve' ? 'approval' : 'denial'} was not counted: ${REFUSALS[qualification.refusal ?? 'not_approver']}.`,
          request,
        );
      }
      const claim = decisionLinkClaim(link);
      if (!(await context.store.claimGitHubKey(claim, context.clock.now().toISOString()))) {
        return show(410, 'bad', 'This link was already used. Each link decides once.', request);
      }
      let outcome: Awaited<ReturnType<typeof context.votes.castVote>>;
      try {
        outcome = await context.votes.castVote(request.id, ballot);
      } catch (error) {
        await context.store.releaseGitHubKey(claim); // nothing was counted: the link may be used again
        throw error;
      }
      const texts: Record<string, [number, 'ok' | 'bad' | 'info', string]> = {
        approved: [200, 'ok', 'Your vote decided it: approved.'],
        denied: [200, 'ok', 'Your vote decided it: denied.'],
        counted: [200, 'ok', 'Your approval was counted; more approvals are needed.'],
        duplicate: [200, 'info', 'You had already approved this request; nothing changed.'],
        not_qualified: [
          403,
          'bad',
          `Your ${link.decision === 'approve' ? 'approval' : 'denial'} was not counted: you are not one of the approvers of this request.`,
        ],
        not_pending: [409, 'info', `This request is already ${outcome.request.status}; a decision is final.`],
      };
      const [status, kind, text] = texts[outcome.outcome] ?? [200, 'info', 'Done.'];
      context.log.info(
        { requestId: request.id, voter: link.recipient, outcome: outcome.outcome },
        'decision link used',
      );
      show(status, kind, text, outcome.request);
    } catch (error) {
      fail(res, null, error);
    }
  });

  return router;
}
