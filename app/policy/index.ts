/**
 * The policy language and engine: policy files → a validated, compiled policy set → explainable
 * decisions. Pure (no file system, network or process access); callers read the files.
 */

export { createPolicyJsonSchema, renderPolicyJsonSchema } from './create-policy-json-schema.js';
export {
  type DecisionChangeGroup,
  type DecisionTotals,
  type DiffImpactOptions,
  diffPolicyImpact,
  type ImpactDirection,
  type ImpactExample,
  type PolicyImpact,
  type ReplayRequest,
  type RequirementChangeGroup,
  type RequirementShape,
  type RuleRef,
} from './diff-impact.js';
export { type EvaluateOptions, evaluatePolicy } from './evaluate-policy.js';
export { formatDiagnostic } from './format-diagnostic.js';
export { formatEvaluation } from './format-evaluation.js';
export { hashPolicyFiles } from './hash-policy-files.js';
export { type LoadPolicyOptions, loadPolicySet } from './load-policy-set.js';
export { parseReplayRequests, type ReplayParseResult } from './parse-replay-requests.js';
export { PolicyFileSchema } from './policy-file-schema.js';
export { type PolicyRequest, type PolicyRequestInput, PolicyRequestInputSchema } from './policy-request.js';
export type { CompiledRule, PolicyDefaults, PolicyLoadResult, PolicySet } from './policy-set.js';
export { type PolicyTestCaseResult, type PolicyTestReport, runPolicyTests } from './run-policy-tests.js';
export { summarizePolicySet } from './summarize-policy-set.js';
export { testCaseRequests } from './test-case-requests.js';
