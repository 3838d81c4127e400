/**
 * The policy language and engine: policy files → a validated, compiled policy set → explainable
 * decisions. Pure (no file system, network or process access); callers read the files.
 */

export { renderPolicyJsonSchema } from './create-policy-json-schema.js';
export {
  diffPolicyImpact,
  type PolicyImpact,
  type ReplayRequest,
} from './diff-impact.js';
export { evaluatePolicy } from './evaluate-policy.js';
export { formatDiagnostic } from './format-diagnostic.js';
export { formatEvaluation } from './format-evaluation.js';
export { loadPolicySet } from './load-policy-set.js';
export { parseReplayRequests } from './parse-replay-requests.js';
export { type PolicyRequest, PolicyRequestInputSchema } from './policy-request.js';
export type { PolicyLoadResult, PolicySet } from './policy-set.js';
export { type PolicyTestReport, runPolicyTests } from './run-policy-tests.js';
export { summarizePolicySet } from './summarize-policy-set.js';
export { testCaseRequests } from './test-case-requests.js';
