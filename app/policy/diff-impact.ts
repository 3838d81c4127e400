/**
 * What a policy change does: past requests replayed under the base set and under the head set,
 * the differences grouped (`send_email: auto_approve → route_to_human ×12`) with examples and the
 * rules that decide on each side. Changes that need fewer humans — an approval where a human (or a
 * denial) was, a denial turned into a review, fewer approvals required — are marked `widens`, so
 * a reviewer cannot miss them. Pure: the caller brings the sets, the requests and `now`.
 */
import {
  durationToSeconds,
  PERMISSIONS,
  type PolicyDecisionKind,
  type Requirement,
} from '../../sdk/schemas.js';
import { evaluatePolicy } from './evaluate-policy.js';
import type { PolicyRequest } from './policy-request.js';
import type { PolicySet } from './policy-set.js';

/** A past request to replay; `id` and `createdAt` are shown in examples when known. */
export interface ReplayRequest extends PolicyRequest {
  id: string | null;
  createdAt: string | null;
}

/** A rule that decided, and where it is written. */
export interface RuleRef {
  name: string;
  file: string;
  line: number;
}

/** `widens`: fewer humans stand in the way; `narrows`: more; `changes`: neither clearly. */
export type ImpactDirection = 'widens' | 'narrows' | 'changes';

export interface ImpactExample {
  id: string | null;
  createdAt: string | null;
  params: Record<string, unknown>;
}

/** A requirement as reviewers compare it (the rule name aside). */
export interface RequirementShape {
  rule: string;
  approvers: Requirement['approvers'];
  count: number;
  via: Requirement['via'];
  timeout: string | null;
  allowRequester: boolean;
}

interface ChangeGroupBase {
  action: string;
  /** Rules that decided under the base and head sets; empty means the defaults decided. */
  baseRules: RuleRef[];
  headRules: RuleRef[];
  count: number;
  direction: ImpactDirection;
  /** The newest few of the requests in the group. */
  examples: ImpactExample[];
}

export interface DecisionChangeGroup extends ChangeGroupBase {
  from: PolicyDecisionKind;
  to: PolicyDecisionKind;
}

/** Still routed to humans, but needing other (or more, or fewer) approvals. */
export interface RequirementChangeGroup extends ChangeGroupBase {
  base: RequirementShape[];
  head: RequirementShape[];
}

export type DecisionTotals = Record<PolicyDecisionKind, number>;

export interface PolicyImpact {
  baseVersion: string;
  headVersion: string;
  replayed: number;
  /** Same decision and same requirements. */
  unchanged: number;
  decisionsChanged: number;
  requirementsChanged: number;
  /** Requests that would meet fewer humans under the head set. */
  widened: number;
  totals: { base: DecisionTotals; head: DecisionTotals };
  /** Widening first, then the largest groups. */
  decisionChanges: DecisionChangeGroup[];
  requirementChanges: RequirementChangeGroup[];
  rules: { added: RuleRef[]; removed: RuleRef[] };
}

export interface DiffImpactOptions {
  /** Examples kept per group (default 3). */
  examples?: number;
}

/** Most permissive first: a move down this list needs fewer humans. */
const RESTRICTIVENESS: Record<PolicyDecisionKind, number> = {
  auto_approve: 0,
  route_to_human: 1,
  auto_deny: 2,
};

export function diffPolicyImpact(
  base: PolicySet,
  head: PolicySet,
  requests: readonly ReplayRequest[],
  now: Date,
  options: DiffImpactOptions = {},
): PolicyImpact {
  const keep = options.examples ?? 3;
  const impact: PolicyImpact = {
    baseVersion: base.version,
    headVersion: head.version,
    replayed: requests.length,
    unchanged: 0,
    decisionsChanged: 0,
    requirementsChanged: 0,
    widened: 0,
    totals: { base: emptyTotals(), head: emptyTotals() },
    decisionChanges: [],
    requirementChanges: [],
    rules: diffRules(base, head),
  };
  const decisionGroups = new Map<string, DecisionChangeGroup>();
  const requirementGroups = new Map<string, RequirementChangeGroup>();
  const baseRef = ruleRefs(base);
  const headRef = ruleRefs(head);

  for (const request of requests) {
    const before = evaluatePolicy(base, request, now);
    const after = evaluatePolicy(head, request, now);
    impact.totals.base[before.decision]++;
    impact.totals.head[after.decision]++;
    const common = {
      action: request.action,
      baseRules: before.rules.map(baseRef),
      headRules: after.rules.map(headRef),
    };
    const example: ImpactExample = { id: request.id, createdAt: request.createdAt, params: request.params };
    if (before.decision !== after.decision) {
      impact.decisionsChanged++;
      const direction =
        RESTRICTIVENESS[after.decision] < RESTRICTIVENESS[before.decision] ? 'widens' : 'narrows';
      if (direction === 'widens') impact.widened++;
      const key = JSON.stringify([
        request.action,
        before.decision,
        after.decision,
        before.rules,
        after.rules,
      ]);
      const group = decisionGroups.get(key) ?? {
        ...common,
        from: before.decision,
        to: after.decision,
        count: 0,
        direction,
        examples: [],
      };
      addTo(group, example, keep);
      decisionGroups.set(key, group);
      continue;
    }
    const baseShapes = before.requirements.map(shapeOf);
    const headShapes = after.requirements.map(shapeOf);
    if (sameRequirements(baseShapes, headShapes)) {
      impact.unchanged++;
      continue;
    }
    impact.requirementsChanged++;
    const direction = compareRequirements(baseShapes, headShapes);
    if (direction === 'widens') impact.widened++;
    const key = JSON.stringify([request.action, baseShapes, headShapes]);
    const group = requirementGroups.get(key) ?? {
      ...common,
      base: baseShapes,
      head: headShapes,
      count: 0,
      direction,
      examples: [],
    };
    addTo(group, example, keep);
    requirementGroups.set(key, group);
  }
  impact.decisionChanges = [...decisionGroups.values()].sort(byImportance);
  impact.requirementChanges = [...requirementGroups.values()].sort(byImportance);
  return impact;
}

function emptyTotals(): DecisionTotals {
  return { auto_approve: 0, route_to_human: 0, auto_deny: 0 };
}

function addTo(group: ChangeGroupBase, example: ImpactExample, keep: number): void {
  group.count++;
  if (group.examples.length < keep) group.examples.push(example);
}

function ruleRefs(policySet: PolicySet): (name: string) => RuleRef {
  const byName = new Map(policySet.rules.map((r) => [r.name, r]));
  return (name) => {
    const rule = byName.get(name);
    return { name, file: rule?.file ?? '', line: rule?.line ?? 0 };
  };
}

function diffRules(base: PolicySet, head: PolicySet): PolicyImpact['rules'] {
  const names = (set: PolicySet) => new Set(set.rules.map((r) => r.name));
  const inBase = names(base);
  const inHead = names(head);
  const ref = (r: PolicySet['rules'][number]): RuleRef => ({ name: r.name, file: r.file, line: r.line });
  return {
    added: head.rules.filter((r) => !inBase.has(r.name)).map(ref),
    removed: base.rules.filter((r) => !inHead.has(r.name)).map(ref),
  };
}

function shapeOf(requirement: Requirement): RequirementShape {
  const { rule, approvers, count, via, timeout, allowRequester } = requirement;
  return { rule, approvers, count, via, timeout, allowRequester };
}

/** Same requirements in any order, rule names aside (a renamed rule asks the same people). */
function sameRequirements(a: readonly RequirementShape[], b: readonly RequirementShape[]): boolean {
  const signature = (shapes: readonly RequirementShape[]) =>
    shapes
      .map(({ rule: _rule, ...rest }) =>
        JSON.stringify({ ...rest, timeout: rest.timeout === null ? null : durationToSeconds(rest.timeout) }),
      )
      .sort()
      .join('\n');
  return signature(a) === signature(b);
}

/**
 * Fewer approvals in all, the requester newly allowed to approve, or a lower permission asked of
 * the same number of people: fewer humans stand in the way. The opposite narrows; anything else
 * (other people, another timeout) just changes.
 */
function compareRequirements(
  base: readonly RequirementShape[],
  head: readonly RequirementShape[],
): ImpactDirection {
  const total = (shapes: readonly RequirementShape[]) => shapes.reduce((sum, s) => sum + s.count, 0);
  const requesterAllowed = (shapes: readonly RequirementShape[]) => shapes.some((s) => s.allowRequester);
  if (total(head) < total(base) || (requesterAllowed(head) && !requesterAllowed(base))) return 'widens';
  if (total(head) > total(base) || (requesterAllowed(base) && !requesterAllowed(head))) return 'narrows';
  const level = (shapes: readonly RequirementShape[]) =>
    shapes.map((s) => (onlyPermission(s) ? PERMISSIONS.indexOf(s.approvers.permission) : null));
  const before = level(base);
  const after = level(head);
  if (before.length === after.length && before.every((b, i) => b !== null && after[i] !== null)) {
    const diffs = before.map((b, i) => (after[i] as number) - (b as number));
    if (diffs.every((d) => d <= 0) && diffs.some((d) => d < 0)) return 'widens';
    if (diffs.every((d) => d >= 0) && diffs.some((d) => d > 0)) return 'narrows';
  }
  return 'changes';
}

function onlyPermission(shape: RequirementShape): shape is RequirementShape & {
  approvers: { permission: (typeof PERMISSIONS)[number] };
} {
  const { users, teams, slack, discord, email, permission } = shape.approvers;
  const people = [users, teams, slack, discord, email].some((list) => list?.length);
  return permission !== undefined && !people;
}

const RANK: Record<ImpactDirection, number> = { widens: 0, changes: 1, narrows: 2 };

function byImportance(a: ChangeGroupBase, b: ChangeGroupBase): number {
  return RANK[a.direction] - RANK[b.direction] || b.count - a.count || a.action.localeCompare(b.action);
}
