import type { GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubCheckService } from '../services/github-check-service.js';
import type { GitHubCheckVoteService } from '../services/github-check-vote-service.js';
import type { GitHubPolicyProvider } from '../services/github-policy-provider.js';
import type { GitHubReviewService } from '../services/github-review-service.js';

/** What the webhook handlers call: one service each. */
export interface GitHubHandlerDeps {
  gateway: GitHubGateway;
  reviews: GitHubReviewService;
  policies: GitHubPolicyProvider;
  /** Check runs of requests reviewed on a commit, and the votes cast on them. */
  checks: GitHubCheckService;
  checkVotes: GitHubCheckVoteService;
}
