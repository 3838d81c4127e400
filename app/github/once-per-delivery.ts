/**
 * Webhook deliveries are handled at most once (docs/github-app.md, "Nothing counted twice"): a delivery id already handled (GitHub's
 * "Redeliver", a proxy retrying) is acknowledged and ignored. A handler that fails forgets the id,
 * so a redelivery can try again.
 */
import type { Clock } from '../ports/clock.js';
import type { GitHubLinkStore } from '../ports/github-link-store.js';

export function oncePerDelivery<C extends { id: string }>(
  deps: { store: GitHubLinkStore; clock: Clock },
  handler: (context: C) => Promise<void>,
): (context: C) => Promise<void> {
  return async (context) => {
    const key = `delivery:${context.id}`;
    if (!(await deps.store.claimGitHubKey(key, deps.clock.now().toISOString()))) return;
    try {
      await handler(context);
    } catch (error) {
      await deps.store.releaseGitHubKey(key).catch(() => undefined);
      throw error;
    }
  };
}
