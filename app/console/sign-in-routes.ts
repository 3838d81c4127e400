/**
 * Signing in and out: `/login` (the API key form, its POST checked by the same ApiKeyService as the
 * API and rate-limited per client address), "Sign in with GitHub" (`/login/github` and its
 * callback, with a `state` bound to the browser's session) and `POST /logout`.
 */
import type { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../services/app-error.js';
import type { ConsoleKit } from './console-kit.js';
import { CSRF_REFUSAL } from './console-kit.js';
import { authorizeUrl, signedInUser } from './github-sign-in.js';
import { clearSessionCookie, readForm, safeNext, setSecurityHeaders } from './http-helpers.js';

const LoginFormSchema = z.object({ apiKey: z.string().trim().min(1).max(512), next: z.string().optional() });
const CallbackQuerySchema = z.object({
  code: z.string().min(1).max(200),
  state: z.string().min(1).max(1200),
});

export function mountSignIn(router: Router, kit: ConsoleKit): void {
  const {
    deps,
    context,
    sessions,
    github,
    baseUrl,
    cookies,
    sessionOf,
    startSession,
    viewerOf,
    fail,
    signedInPost,
    loginPage,
  } = kit;
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
}
