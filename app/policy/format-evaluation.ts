/** `policy explain` without `--json`: the decision, why, what it needs, and every rule's checks. */
import type { PolicyEvaluation } from '../../sdk/schemas.js';
import { describeRequirement } from './describe-decision.js';

export function formatEvaluation(
  evaluation: PolicyEvaluation,
  displayPath: (file: string) => string = (f) => f,
): string {
  const lines = [
    `decision: ${evaluation.decision}`,
    `reason:   ${evaluation.reason}`,
    `rules:    ${evaluation.rules.join(', ') || '(none matched)'}`,
    `version:  ${evaluation.policyVersion}`,
  ];
  if (evaluation.requirements.length > 0) {
    lines.push('', 'requirements:');
    for (const r of evaluation.requirements) {
      const extras = [`via ${r.via}`, `timeout ${r.timeout ?? 'none'}`];
      if (r.notify?.slack) extras.push(`notify ${r.notify.slack}`);
      if (r.notify?.discord) extras.push(`notify Discord ${r.notify.discord.join(', ')}`);
      if (r.notify?.email) extras.push(`notify ${r.notify.email.join(', ')}`);
      if (r.allowRequester) extras.push('the requester may approve');
      lines.push(`  - ${r.rule}: ${describeRequirement(r)} (${extras.join(', ')})`);
    }
  }
  if (evaluation.decision === 'route_to_human') {
    const forbiddenBy = evaluation.overridesForbiddenBy;
    lines.push(
      '',
      forbiddenBy.length > 0
        ? `overrides: forbidden by ${forbiddenBy.join(', ')} (an API key cannot decide it; its approvers must)`
        : 'overrides: allowed (a request:decide key may decide it at once, labelled an operator override)',
    );
  }
  if (evaluation.conditions.length > 0) {
    lines.push('', 'rules evaluated:');
    for (const trace of evaluation.conditions) {
      const verdict = trace.matched ? 'MATCH   ' : 'no match';
      lines.push(`  ${verdict} ${trace.rule} (${trace.decision}, ${displayPath(trace.file)})`);
      if (trace.checks.length === 0) lines.push('             (no conditions: matches every request)');
      for (const check of trace.checks) {
        lines.push(`             ${check.passed ? 'yes' : 'no '}  ${check.path}: ${check.text}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
