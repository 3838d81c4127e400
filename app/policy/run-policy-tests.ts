/**
 * Runs `policies/tests/*.yaml` against a loaded policy set, offline. Each case passes or fails
 * with the differences in words; broken test files are diagnostics, like broken policy files.
 */
import {
  durationToSeconds,
  type PolicyDiagnostic,
  type PolicyEvaluation,
  type Requirement,
} from '../../sdk/schemas.js';
import { compareDiagnostics, placeDiagnostic } from './diagnostic-draft.js';
import { evaluatePolicy } from './evaluate-policy.js';
import { locateYamlPath, parsePolicyYaml } from './parse-policy-yaml.js';
import type { PolicyRequest } from './policy-request.js';
import type { PolicySet } from './policy-set.js';
import {
  type ExpectedRequirement,
  type PolicyTestCase,
  PolicyTestFileSchema,
} from './policy-test-file-schema.js';
import { zodIssueDrafts } from './zod-issue-drafts.js';

export interface PolicyTestCaseResult {
  file: string;
  line: number;
  name: string;
  passed: boolean;
  /** What differed, one sentence each; empty when passed. */
  failures: string[];
  evaluation: PolicyEvaluation;
}

export interface PolicyTestReport {
  cases: PolicyTestCaseResult[];
  passed: number;
  failed: number;
  /** Test files that could not be read; any error makes the run fail. */
  errors: PolicyDiagnostic[];
}

/** Cases are evaluated at a fixed instant so a test means the same thing every day. */
const TEST_NOW = new Date('2025-01-01T00:00:00.000Z');

export function runPolicyTests(
  policySet: PolicySet,
  testFiles: ReadonlyMap<string, string>,
): PolicyTestReport {
  const report: PolicyTestReport = { cases: [], passed: 0, failed: 0, errors: [] };
  for (const file of [...testFiles.keys()].sort()) {
    const parsedResult = parsePolicyYaml(file, testFiles.get(file) ?? '');
    if (!parsedResult.ok) {
      report.errors.push(...parsedResult.errors);
      continue;
    }
    const { parsed } = parsedResult;
    const result = PolicyTestFileSchema.safeParse(parsed.value ?? {});
    if (!result.success) {
      const drafts = zodIssueDrafts(file, parsed.value, result.error.issues, testContainerKind, (path) => {
        if (path[0] !== 'cases' || typeof path[1] !== 'number') return { prefix: '', within: [] };
        const name = (parsed.value as { cases?: { name?: unknown }[] }).cases?.[path[1]]?.name;
        return {
          prefix: `case ${typeof name === 'string' ? `"${name}"` : `#${path[1] + 1}`}: `,
          within: path.slice(0, 2),
        };
      });
      report.errors.push(...drafts.map((d) => placeDiagnostic(d, parsed)));
      continue;
    }
    result.data.cases.forEach((testCase, i) => {
      const evaluation = evaluatePolicy(policySet, testCase.request as PolicyRequest, TEST_NOW);
      const failures = compareCase(testCase, evaluation, policySet);
      const line = locateYamlPath(parsed, ['cases', i]).line;
      report.cases.push({
        file,
        line,
        name: testCase.name,
        passed: failures.length === 0,
        failures,
        evaluation,
      });
      if (failures.length === 0) report.passed++;
      else report.failed++;
    });
  }
  report.errors.sort(compareDiagnostics);
  return report;
}

function testContainerKind(path: readonly (string | number)[]) {
  if (path.length === 0) return 'tests' as const;
  const last = path[path.length - 1];
  if (path.length === 2 && path[0] === 'cases') return 'case' as const;
  if (last === 'request') return 'request' as const;
  if (path.length === 4 && path[2] === 'requires') return 'requirement' as const;
  if (last === 'approvers' || last === 'notify') return last;
  return null;
}

function compareCase(testCase: PolicyTestCase, evaluation: PolicyEvaluation, policySet: PolicySet): string[] {
  const failures: string[] = [];
  if (evaluation.decision !== testCase.expect) {
    const by = evaluation.rules.length > 0 ? ` by ${evaluation.rules.join(', ')}` : '';
    failures.push(`expected ${testCase.expect}, got ${evaluation.decision}${by} (${evaluation.reason})`);
  }
  const matching = evaluation.conditions.filter((c) => c.matched).map((c) => c.rule);
  const known = new Set(policySet.rules.map((r) => r.name));
  for (const rule of testCase.rules ?? []) {
    if (!known.has(rule)) failures.push(`rule "${rule}" is not in the policy set`);
    else if (!matching.includes(rule)) {
      failures.push(`expected rule "${rule}" to match; matching rules: ${matching.join(', ') || 'none'}`);
    }
  }
  if (testCase.requires) {
    if (testCase.requires.length === 0 && evaluation.requirements.length > 0) {
      failures.push(
        `expected no requirements, got ${evaluation.requirements.map(showRequirement).join('; ')}`,
      );
    }
    for (const expected of testCase.requires) {
      if (evaluation.requirements.some((r) => requirementMatches(r, expected))) continue;
      const got = evaluation.requirements.map(showRequirement).join('; ') || 'none';
      failures.push(`expected a requirement ${JSON.stringify(expected)}, got ${got}`);
    }
  }
  if (testCase.overrides !== undefined) {
    const forbiddenBy = evaluation.overridesForbiddenBy;
    if (testCase.overrides && forbiddenBy.length > 0) {
      failures.push(`expected operator overrides to be allowed, but ${forbiddenBy.join(', ')} forbid them`);
    } else if (!testCase.overrides && forbiddenBy.length === 0) {
      failures.push(
        evaluation.decision === 'route_to_human'
          ? 'expected operator overrides to be forbidden, but no matching routing rule sets overrides: false'
          : `expected operator overrides to be forbidden, but it is ${evaluation.decision}: nothing is left to override`,
      );
    }
  }
  return failures;
}

function requirementMatches(actual: Requirement, expected: ExpectedRequirement): boolean {
  const timeoutMatches =
    expected.timeout === undefined ||
    (expected.timeout === null
      ? actual.timeout === null
      : actual.timeout !== null && durationToSeconds(expected.timeout) === durationToSeconds(actual.timeout));
  return (
    (expected.rule === undefined || expected.rule === actual.rule) &&
    (expected.count === undefined || expected.count === actual.count) &&
    (expected.via === undefined || expected.via === actual.via) &&
    timeoutMatches &&
    (expected.allow_requester === undefined || expected.allow_requester === actual.allowRequester) &&
    (expected.notify === undefined || same(expected.notify, actual.notify)) &&
    (expected.approvers === undefined ||
      Object.entries(expected.approvers).every(([key, value]) =>
        same(value, actual.approvers[key as keyof typeof actual.approvers]),
      ))
  );
}

function showRequirement(r: Requirement): string {
  return JSON.stringify({
    rule: r.rule,
    approvers: r.approvers,
    count: r.count,
    via: r.via,
    timeout: r.timeout,
  });
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
