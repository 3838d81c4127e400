/**
 * evaluate(policySet, request, now) → an explainable decision. Pure, and never throws: if anything
 * unexpected happens the request goes to a human, which is always safe.
 *
 * Combining is order-independent, most restrictive first: any matching `auto_deny` denies; else
 * every matching `route_to_human` rule adds its requirement; else any matching `auto_approve`
 * approves; else the defaults decide. Operator overrides likewise: any matching routing rule whose
 * `overrides` is false (its own setting, else the defaults') forbids them.
 */
import type {
  Approvers,
  ConditionCheck,
  PolicyEvaluation,
  Requirement,
  RuleTrace,
} from '../../sdk/schemas.js';
import { describeDecision } from './describe-decision.js';
import type { PolicyRequest } from './policy-request.js';
import type { CompiledRule, PolicySet } from './policy-set.js';
import { traceCondition } from './trace-condition.js';

export interface EvaluateOptions {
  /**
   * `candidates` (default) traces the rules that could match the request's action; `all` traces
   * every rule, for explaining why a rule did not match. The decision is the same either way.
   */
  trace?: 'candidates' | 'all';
}

const FALLBACK_REQUIREMENT = Object.freeze({
  rule: 'default',
  approvers: Object.freeze({ permission: 'write' as const }),
  count: 1,
  via: 'issue' as const,
  timeout: null,
  notify: null,
  allowRequester: false,
});

export function evaluatePolicy(
  policySet: PolicySet,
  request: PolicyRequest,
  // Part of the contract so that time-based conditions stay pure and reproducible; unused today.
  _now: Date,
  options: EvaluateOptions = {},
): PolicyEvaluation {
  try {
    return evaluate(policySet, request, options);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      decision: 'route_to_human',
      rules: [],
      reason: `Policy evaluation failed (${why}), so a human must decide`,
      requirements: [copyRequirement(FALLBACK_REQUIREMENT)],
      conditions: [],
      policyVersion: policySet?.version ?? 'unknown',
      overridesForbiddenBy: [],
    };
  }
}

function evaluate(policySet: PolicySet, request: PolicyRequest, options: EvaluateOptions): PolicyEvaluation {
  const { rules } = policySet;
  const indexes =
    options.trace === 'all' ? rules.map((_, i) => i) : policySet.index.candidates(request.action);
  const conditions: RuleTrace[] = [];
  const denied: CompiledRule[] = [];
  const routed: CompiledRule[] = [];
  const approved: CompiledRule[] = [];
  for (const index of indexes) {
    const rule = rules[index] as CompiledRule;
    const checks: ConditionCheck[] = [];
    const matched = traceCondition(rule.condition, request, checks);
    conditions.push({ rule: rule.name, file: rule.file, decision: rule.decision, matched, checks });
    if (!matched) continue;
    if (rule.decision === 'auto_deny') denied.push(rule);
    else if (rule.decision === 'route_to_human') routed.push(rule);
    else approved.push(rule);
  }
  const base = { conditions, policyVersion: policySet.version, overridesForbiddenBy: [] as string[] };
  if (denied.length > 0) {
    return {
      decision: 'auto_deny',
      rules: denied.map((r) => r.name),
      reason: describeDecision.deny(denied),
      requirements: [],
      ...base,
    };
  }
  if (routed.length > 0) {
    const requirements = routed.map((r) =>
      copyRequirement(r.requirement ?? { ...FALLBACK_REQUIREMENT, rule: r.name }),
    );
    return {
      decision: 'route_to_human',
      rules: routed.map((r) => r.name),
      reason: describeDecision.route(requirements),
      requirements,
      ...base,
      overridesForbiddenBy: routed.filter((r) => !r.overrides).map((r) => r.name),
    };
  }
  if (approved.length > 0) {
    return {
      decision: 'auto_approve',
      rules: approved.map((r) => r.name),
      reason: describeDecision.approve(approved),
      requirements: [],
      ...base,
    };
  }
  const { defaults } = policySet;
  return {
    decision: defaults.decision,
    rules: [],
    reason: describeDecision.defaults(policySet),
    requirements: defaults.decision === 'route_to_human' ? [copyRequirement(defaults.requirement)] : [],
    ...base,
    overridesForbiddenBy: defaults.decision === 'route_to_human' && !defaults.overrides ? ['default'] : [],
  };
}

/** Callers own the result: a copy, so changing it can never change the policy set. */
function copyRequirement(requirement: Requirement): Requirement {
  const { approvers, notify } = requirement;
  const copy: Approvers = {};
  if (approvers.users) copy.users = [...approvers.users];
  if (approvers.teams) copy.teams = [...approvers.teams];
  if (approvers.permission) copy.permission = approvers.permission;
  if (approvers.slack) copy.slack = [...approvers.slack];
  if (approvers.discord) copy.discord = [...approvers.discord];
  if (approvers.email) copy.email = [...approvers.email];
  return { ...requirement, approvers: copy, notify: notify ? copyNotify(notify) : null };
}

function copyNotify(notify: NonNullable<Requirement['notify']>): NonNullable<Requirement['notify']> {
  const copy: NonNullable<Requirement['notify']> = { ...notify };
  if (notify.discord) copy.discord = [...notify.discord];
  if (notify.email) copy.email = [...notify.email];
  return copy;
}
