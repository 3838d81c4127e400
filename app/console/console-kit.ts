/**
 * What every console route shares: the signed-in viewer of a request (an API key re-checked on
 * every page, or a GitHub login), the page frame, error pages (an `AppError` is its status and
 * sentence; anything else a logged 500), and the wrappers that send visitors to sign in and check
 * every POST's CSRF token before anything else.
 */
import type { Request, Response } from 'express';
import { errorResponse } from '../http/error-handler.js';
import { AppError } from '../services/app-error.js';
import type { SafeHtml } from './html.js';
import {
  cookieSettingsFor,
  readCookie,
  readForm,
  safeNext,
  sendHtml,
  setSecurityHeaders,
  setSessionCookie,
} from './http-helpers.js';
import { type Chrome, renderPage, type Section } from './pages/layout.js';
import { renderLogin, renderMessage } from './pages/login-page.js';
import type { ConsoleRouteDeps } from './routes.js';
import type { Session } from './session.js';
import { isAdmin, type Viewer, ViewerAccess } from './viewer-access.js';

export const CSRF_REFUSAL =
  'This form was refused: it did not carry this session’s security token (it may be stale, or sent from another site). Reload the page and try again.';

export type ConsoleKit = ReturnType<typeof createConsoleKit>;

export function createConsoleKit(deps: ConsoleRouteDeps) {
  const { context, sessions, live, github } = deps;
  const access = new ViewerAccess(context, github);
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

  return {
    deps,
    context,
    sessions,
    live,
    github,
    access,
    baseUrl,
    cookies,
    sessionOf,
    startSession,
    viewerOf,
    chrome,
    page,
    fail,
    signedIn,
    signedInPost,
    loginPage,
  };
}
