import type { GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubPolicyProvider } from '../services/github-policy-provider.js';
import type { GitHubReviewService } from '../services/github-review-service.js';

/** What the webhook handlers call: one service each. */
export interface GitHubHandlerDeps {
  gateway: GitHubGateway;
  reviews: GitHubReviewService;
  policies: GitHubPolicyProvider;
}
