import { pullRequestOfRef } from '../approvals/pull-request-binding.js';
import type { Principal } from '../ports/store.js';
import type { OidcIdentity } from './oidc-verifier.js';

/**
 * Requests per minute per repository for OIDC callers. Any repository on GitHub can mint a token
 * for our audience, so there is no per-caller key to limit; a waiting Action long-polls about twice
 * a minute, so this leaves room for ~100 jobs of one repository waiting at once, while bounding
 * what one (possibly foreign) repository can throw at the server.
 */
const OIDC_RATE_LIMIT_PER_MINUTE = 300;

/**
 * The principal of a GitHub Actions job. It may create requests (bound to the token's repository,
 * like a repository-bound key) and, through ownership, read, wait on and cancel its own; it never
 * decides and never reads another's.
 *
 * Ownership is per workflow run (`oidc:<owner/name>:run:<run id>`): every job and attempt of one run
 * mints tokens with the same `repository` and `run_id`, so a re-run (same run id, next attempt) and
 * the Action's `post` step can read and reuse what the run created, and its idempotency keys are
 * looked up in the same space. Another run of the same repository — another branch, another
 * workflow, another person — cannot read or cancel it. Per repository would let any workflow of
 * the repository (a pull request's, say) read and cancel every other's requests.
 */
export function principalOfOidc(identity: OidcIdentity): Principal {
  return {
    id: `oidc:${identity.repository}:run:${identity.runId}`,
    actor: `github-actions:${identity.repository}`,
    requester: {
      type: 'github_actions',
      repository: identity.repository,
      actor: identity.actor,
      workflow: identity.workflowRef,
      runId: identity.runId,
      sha: identity.sha,
      ref: identity.ref,
      workflowRef: identity.workflowRef,
      jobWorkflowRef: identity.jobWorkflowRef,
      event: identity.event,
      environment: identity.environment,
      pullRequest: pullRequestOfRef(identity.ref),
    },
    scopes: new Set(['request:create']),
    repository: identity.repository,
    rateLimit: OIDC_RATE_LIMIT_PER_MINUTE,
    keyId: `oidc:${identity.repository}`,
  };
}
