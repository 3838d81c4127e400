/**
 * The web console as an integration of the server (docs/console.md): server-rendered pages for
 * reviewers and operators at `/`, `/requests/:id`, `/policies`, `/keys`, `/webhooks`, sign-in with
 * an API key or with GitHub, live updates over server-sent events, and signed decision links at
 * `/d/<token>`. It mounts its own routes before the API (its own cookie sessions and form
 * parsing) and never answers under `/api`, `/health` or `/metrics`.
 */
import { createHash } from 'node:crypto';
import type { Express, Request, Response } from 'express';
import type { Qualification } from '../approvals/qualify-voter.js';
import type { IntegrationFactory } from '../integration.js';
import type { RequestRecord } from '../ports/store.js';
import { CONSOLE_CSS } from './assets/console-css.js';
import { CONSOLE_JS } from './assets/console-js.js';
import { deriveConsoleKeys } from './console-keys.js';
import { type DecisionLink, signDecisionLink } from './decision-links.js';
import type { ConsoleGitHubAccess } from './github-access.js';
import { setSecurityHeaders } from './http-helpers.js';
import { type LiveUpdateLimits, LiveUpdates } from './live-updates.js';
import { createConsoleRouter } from './routes.js';
import { ConsoleSessions } from './session.js';

export interface ConsoleOptions {
  /** The server secret (at least 32 characters): signs sessions, CSRF tokens and decision links. */
  secret: string;
  /** `AGENTGATE_PUBLIC_URL`: links and the OAuth callback are built on it (else this server's own address). */
  publicUrl: string | null;
  /** GitHub mode: who may read and vote, and the App's OAuth client for "Sign in with GitHub". */
  github?: ConsoleGitHubAccess | null;
  /**
   * Who a decision link's recipient (`email:alice@example.com`) may vote for on a request; the
   * channel that sends links supplies it. Absent: `/d/<token>` refuses every link.
   */
  decisionLinkQualifier?: ((request: RequestRecord, recipient: string) => Promise<Qualification>) | null;
  liveUpdates?: Partial<LiveUpdateLimits>;
  /** Sign-in attempts per client address per minute (default 10). */
  loginAttemptsPerMinute?: number;
}

/** Filled in when the server builds the integration: what other channels (email) and tests use. */
export interface ConsoleHandle {
  /** A `/d/<token>` URL for a decision link. */
  decisionLinkUrl: ((link: Omit<DecisionLink, 'jti' | 'exp'> & { expiresAt: Date }) => string) | null;
  live: LiveUpdates | null;
}

const asset = (body: string, type: string) => ({
  body,
  type,
  version: createHash('sha256').update(body).digest('hex').slice(0, 16),
});

export function consoleIntegration(
  options: ConsoleOptions,
  handle: ConsoleHandle = { decisionLinkUrl: null, live: null },
): IntegrationFactory {
  const keys = deriveConsoleKeys(options.secret);
  return (context) => {
    const live = new LiveUpdates(options.liveUpdates);
    const sessions = new ConsoleSessions(keys, () => context.clock.now().getTime());
    const css = asset(CONSOLE_CSS, 'text/css; charset=utf-8');
    const js = asset(CONSOLE_JS, 'text/javascript; charset=utf-8');
    const baseUrl = () => options.publicUrl ?? context.selfUrl();
    handle.live = live;
    handle.decisionLinkUrl = (link) => `${baseUrl()}/d/${signDecisionLink(keys.links, link)}`;

    const serveAsset = (file: typeof css) => (req: Request, res: Response) => {
      setSecurityHeaders(res);
      res.setHeader('Content-Type', file.type);
      res.setHeader(
        'Cache-Control',
        req.query.v === file.version ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      res.send(file.body);
    };

    return {
      name: 'console',
      // Nothing durable to do on a change: the live pages hear of it once it is stored.
      reactor: {
        jobsFor: () => [],
        committed: (change, request) => live.publish(change, request),
      },
      mountRaw(app: Express) {
        app.get('/console/assets/console.css', serveAsset(css));
        app.get('/console/assets/console.js', serveAsset(js));
        app.use(
          createConsoleRouter({
            context,
            sessions,
            live,
            github: options.github ?? null,
            linksKey: keys.links,
            decisionLinkQualifier: options.decisionLinkQualifier ?? null,
            publicUrl: options.publicUrl,
            assets: {
              css: `/console/assets/console.css?v=${css.version}`,
              js: `/console/assets/console.js?v=${js.version}`,
            },
            loginAttemptsPerMinute: options.loginAttemptsPerMinute ?? 10,
          }),
        );
      },
      health: () => ({ liveClients: live.size, githubSignIn: !!options.github?.oauth }),
      closing: () => live.close(),
      stop: () => live.close(),
    };
  };
}
