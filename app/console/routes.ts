/**
 * The console's routes (docs/console.md): sign-in (`/login`, `/login/github`, its callback,
 * `/logout`), the pages (`/`, `/requests/:id`, `/policies`, `/keys`, `/webhooks`), the decide
 * POST, the live-update stream (`/console/events`) and signed decision links (`/d/<token>`).
 * Every state change is a POST; every POST but a decision link's carries the session's CSRF token
 * (a decision link's token is itself the single-use capability). Every page is built by `html`.
 */
import { Router } from 'express';
import type { Qualification } from '../approvals/qualify-voter.js';
import type { IntegrationContext } from '../integration.js';
import type { RequestRecord } from '../ports/store.js';
import { createConsoleKit } from './console-kit.js';
import { mountDecisionLinks } from './decision-link-routes.js';
import type { ConsoleGitHubAccess } from './github-access.js';
import type { LiveUpdates } from './live-updates.js';
import { mountPages } from './page-routes.js';
import type { Chrome } from './pages/layout.js';
import type { ConsoleSessions } from './session.js';
import { mountSignIn } from './sign-in-routes.js';

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

export function createConsoleRouter(deps: ConsoleRouteDeps): Router {
  const kit = createConsoleKit(deps);
  const router = Router();
  mountSignIn(router, kit);
  mountPages(router, kit);
  mountDecisionLinks(router, kit);
  return router;
}
