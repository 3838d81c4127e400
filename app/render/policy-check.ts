/**
 * The `AgentGate policy` check run of a pull request that changes policies (docs/github-app.md, "Policy pull requests"):
 * its conclusion (`failure` on any error or failing policy test, else `success`), the title and
 * summary a reviewer reads in the Checks tab, and one annotation per problem on its file and line
 * (paths from the repository root). Changes that widen what agents may do are annotated on the
 * rule responsible. Pure (snapshot-tested in test/render).
 */
import type { PolicyDiagnostic } from '../../sdk/schemas.js';
import type { PolicyImpact, RuleRef } from '../policy/diff-impact.js';
import type { PolicyLoadResult } from '../policy/policy-set.js';
import type { PolicyTestReport } from '../policy/run-policy-tests.js';
import type { CheckAnnotation, CheckConclusion } from '../ports/github-gateway.js';
import { describeWidening, hasImpact, renderImpactMarkdown, shortVersion } from './policy-impact.js';

export const POLICY_CHECK_NAME = 'AgentGate policy';

/** GitHub's limit on `output.summary` and `output.text`. */
const MAX_OUTPUT = 65_535;

export interface PolicyCheckView {
  repository: string;
  headSha: string;
  /** The directory read, from the repository root (`policies`). */
  dir: string;
  /** The head's own policy files, loaded; null when the head has none. */
  head: PolicyLoadResult | null;
  /** Whose policies apply instead when the head has none (`acme/.github`, or null: the built-in default). */
  fallback?: string | null;
  /** The head's policy tests; null when they could not run (the set has errors). */
  tests: PolicyTestReport | null;
  impact: PolicyImpact | null;
  /** Why there is no impact report, when there is none. */
  impactNote?: string | null;
  /** What was replayed, e.g. `the last 500 requests of acme/payments`. */
  scope: string;
  /** The requests replayed are other repositories' (`<owner>/.github`): counts per decision change only. */
  countsOnly?: boolean;
}

export interface PolicyCheckOutput {
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  text: string;
  annotations: CheckAnnotation[];
}

export function renderPolicyCheck(view: PolicyCheckView): PolicyCheckOutput {
  const pathOf = (file: string) => `${view.dir}/${file}`;
  const errors = [...(view.head?.errors ?? []), ...(view.tests?.errors ?? [])];
  const warnings = view.head?.warnings ?? [];
  const failed = view.tests?.cases.filter((c) => !c.passed) ?? [];
  const conclusion: CheckConclusion = errors.length > 0 || failed.length > 0 ? 'failure' : 'success';

  const summary: string[] = [];
  const set = view.head?.policySet;
  if (view.head === null) {
    const instead = view.fallback
      ? `the policies of ${view.fallback} apply`
      : 'the built-in default applies (every request goes to someone with write access)';
    summary.push(
      `No policy files in \`${view.dir}/\` at \`${shortVersion(view.headSha)}\`: once merged, ${instead}.`,
    );
  } else if (set) {
    summary.push(
      `Checked \`${view.dir}/\` of ${view.repository} at \`${shortVersion(view.headSha)}\`: ${plural(set.rules.length, 'rule')} in ${plural(set.files.length, 'file')}.`,
    );
  } else {
    summary.push(`Checked \`${view.dir}/\` of ${view.repository} at \`${shortVersion(view.headSha)}\`.`);
  }
  summary.push('');
  if (errors.length > 0) {
    summary.push(
      `❌ **${plural(errors.length, 'error')}**${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''} — each is annotated on its line. An invalid set is never activated: if this is merged, the last good policies stay in force.`,
    );
  } else if (warnings.length > 0) {
    summary.push(`⚠️ ${plural(warnings.length, 'warning')} (annotated on their lines); no errors.`);
  } else if (view.head !== null) {
    summary.push('✅ The policies are valid.');
  }
  summary.push(testsLine(view, failed.length));

  const widening = view.impact ? describeWidening(view.impact) : null;
  summary.push('', '### Impact');
  if (view.impact) {
    summary.push(
      '',
      renderImpactMarkdown(view.impact, { pathOf, scope: view.scope, countsOnly: view.countsOnly === true }),
    );
  } else {
    summary.push('', view.impactNote ?? 'No impact report.');
  }

  return {
    conclusion,
    title: titleOf(errors.length, failed.length, view, widening),
    summary: fitOutput(summary.join('\n')),
    text: fitOutput(detailsText(view, errors, warnings, pathOf)),
    annotations: [
      ...[...errors, ...warnings].map((d) => diagnosticAnnotation(d, pathOf)),
      ...failed.map(
        (c): CheckAnnotation => ({
          path: pathOf(c.file),
          startLine: Math.max(1, c.line),
          endLine: Math.max(1, c.line),
          level: 'failure',
          title: `Policy test failed: ${c.name}`,
          message: c.failures.join('\n'),
        }),
      ),
      ...(view.head?.policySet && view.impact
        ? wideningAnnotations(view.impact, pathOf, view.countsOnly === true)
        : []),
    ],
  };
}

function titleOf(errors: number, failed: number, view: PolicyCheckView, widening: string | null): string {
  const problems: string[] = [];
  if (errors > 0) problems.push(`${plural(errors, 'error')} in the policies`);
  if (failed > 0) problems.push(`${failed} of ${view.tests?.cases.length} policy tests fail`);
  if (problems.length > 0) return problems.join(', ');
  const impact = view.impact;
  if (impact && widening)
    return `Valid — ⚠️ widens: ${impact.widened} of ${impact.replayed} past requests need fewer humans`;
  if (impact && hasImpact(impact)) {
    const changed = impact.decisionsChanged + impact.requirementsChanged;
    return `Valid — ${changed} of ${impact.replayed} past requests would be decided differently`;
  }
  if (impact && impact.replayed > 0) return `Valid — no past request would be decided differently`;
  return 'Valid';
}

function testsLine(view: PolicyCheckView, failed: number): string {
  if (view.tests === null)
    return `Policy tests (\`${view.dir}/tests/\`) were not run: the policies have errors.`;
  const total = view.tests.cases.length;
  if (total === 0 && view.tests.errors.length === 0) {
    return `No policy tests in \`${view.dir}/tests/\` — consider adding cases for this change.`;
  }
  if (failed > 0) return `❌ **${failed} of ${plural(total, 'policy test')} fail** (annotated on each case).`;
  if (view.tests.errors.length > 0) return `❌ The policy test files have errors (annotated).`;
  return `✅ ${plural(total, 'policy test')} pass.`;
}

function detailsText(
  view: PolicyCheckView,
  errors: PolicyDiagnostic[],
  warnings: PolicyDiagnostic[],
  pathOf: (f: string) => string,
): string {
  const out: string[] = [];
  const diagnostics = [...errors, ...warnings];
  if (diagnostics.length > 0) {
    out.push('### Problems', '', '```');
    for (const d of diagnostics)
      out.push(`${pathOf(d.file)}:${d.line}:${d.column}: ${d.severity}: ${d.message}`);
    out.push('```', '');
  }
  if (view.tests && view.tests.cases.length > 0) {
    out.push('### Policy tests', '');
    for (const c of view.tests.cases) {
      const where = `${pathOf(c.file)}:${c.line}`;
      out.push(
        c.passed
          ? `- ✅ ${c.name} (\`${where}\`)`
          : `- ❌ **${c.name}** (\`${where}\`): ${c.failures.join('; ')}`,
      );
    }
    out.push('');
  }
  out.push(
    '### How to reproduce locally',
    '',
    '```bash',
    `npx agentgate policy check ${view.dir}`,
    `npx agentgate policy test ${view.dir}`,
    `npx agentgate policy diff <base-dir> ${view.dir} --requests requests.jsonl   # requests from: agentgate list --json`,
    '```',
  );
  return out.join('\n');
}

function diagnosticAnnotation(d: PolicyDiagnostic, pathOf: (f: string) => string): CheckAnnotation {
  const line = Math.max(1, d.line);
  return {
    path: pathOf(d.file),
    startLine: line,
    endLine: line,
    ...(d.column >= 1 && { startColumn: d.column, endColumn: d.column }),
    level: d.severity === 'error' ? 'failure' : 'warning',
    title: `Policy ${d.severity}${d.rule ? ` in rule "${d.rule}"` : ''} (${d.code})`,
    message: d.message,
  };
}

/** One warning per head rule that lets past requests through with fewer humans. */
function wideningAnnotations(
  impact: PolicyImpact,
  pathOf: (f: string) => string,
  countsOnly: boolean,
): CheckAnnotation[] {
  const byRule = new Map<string, { rule: RuleRef; count: number; changes: string[] }>();
  const groups = [...impact.decisionChanges, ...impact.requirementChanges].filter(
    (g) => g.direction === 'widens',
  );
  for (const group of groups) {
    const action = countsOnly ? '' : `${group.action}: `;
    const change =
      'from' in group
        ? `${action}${group.from} → ${group.to} ×${group.count}`
        : `${action}fewer approvals ×${group.count}`;
    for (const rule of group.headRules) {
      if (!rule.file) continue;
      const entry = byRule.get(rule.name) ?? { rule, count: 0, changes: [] };
      entry.count += group.count;
      entry.changes.push(change);
      byRule.set(rule.name, entry);
    }
  }
  return [...byRule.values()].map(({ rule, count, changes }) => ({
    path: pathOf(rule.file),
    startLine: rule.line,
    endLine: rule.line,
    level: 'warning',
    title: `Widens: rule "${rule.name}" lets ${plural(count, 'past request')} through with fewer humans`,
    message: changes.join('\n'),
  }));
}

function fitOutput(text: string): string {
  if (text.length <= MAX_OUTPUT) return text;
  const note = '\n\n…(cut to fit GitHub’s limit; run `agentgate policy diff` locally for everything)';
  return text.slice(0, MAX_OUTPUT - note.length) + note;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
