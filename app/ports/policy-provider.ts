import type { PolicyDiagnostic } from '../../sdk/schemas.js';
import type { PolicySet } from '../policy/index.js';

export interface ActivePolicy {
  policySet: PolicySet;
  /** Problems of the newest version read, when it could not replace the active one. */
  errors: PolicyDiagnostic[];
  warnings: PolicyDiagnostic[];
}

/**
 * Where the policy set in force for a request comes from: a local directory (LocalPolicyProvider)
 * or each request's repository (GitHubPolicyProvider).
 */
export interface PolicyProvider {
  active(repository: string | null): Promise<ActivePolicy>;
}
