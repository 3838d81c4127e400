/**
 * How AgentGate's Octokit retries and times out (docs/github-app.md, "When GitHub fails").
 *
 * Probot's Octokit includes `@octokit/plugin-retry`: 3 retries, 1 s, 4 s and 9 s apart, of every
 * request GitHub answers with a status outside 400/401/403/404/410/422/451 — 5xx included — and of
 * every request that got no answer (Octokit reports a network failure or timeout as 500), whatever
 * the method. A POST is not idempotent: GitHub may have created the issue, check run or comment and
 * still answer 502, and the retry creates a second one. So the client never retries a POST itself;
 * the job that made it fails, and its next attempt first looks for what the earlier one made (the
 * issue's marker, the check run's `external_id`, the comment's marker) before creating anything.
 * Reads and PATCH/PUT/DELETE (idempotent) keep the client's retries. Throttling (rate limits:
 * GitHub refused, so nothing was made) is untouched.
 *
 * A request that gets no answer at all would hold its job, and every later job of the same request,
 * forever: each call is aborted after `timeoutMs`, and a POST aborted so is, again, looked for before
 * the next attempt creates anything.
 */
import type { ProbotOctokit } from 'probot';

/** GitHub ends REST requests after 10 s; past this, no answer is coming. */
export const GITHUB_REQUEST_TIMEOUT_MS = 30_000;

interface RequestOptions {
  method?: string;
  request?: Record<string, unknown>;
}

/** The Octokit plugin: POSTs get `request.retries = 0`, which `@octokit/plugin-retry` honours. */
function noClientRetryOfPosts(octokit: {
  hook: { before: (name: 'request', hook: (o: RequestOptions) => void) => void };
}) {
  octokit.hook.before('request', (options) => {
    if (options.method?.toUpperCase() !== 'POST') return;
    // A new object: `options.request` may be the instance's shared defaults.
    options.request = { ...options.request, retries: 0 };
  });
  return {};
}

/** `Octokit` with the plugin; the retry and throttling configuration is the class's own. */
export function withRequestPolicy(Octokit: typeof ProbotOctokit): typeof ProbotOctokit {
  return Octokit.plugin(noClientRetryOfPosts as never) as unknown as typeof ProbotOctokit;
}

/**
 * `fetch` that gives up after `timeoutMs` (the caller's own signal still aborts it sooner). The global
 * `fetch` is looked up at each call, so whatever replaces it later (nock in tests) still sees it.
 */
export function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init = {}) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return globalThis.fetch(input, { ...init, signal });
  };
}
