import type { Requirement } from '../../../sdk/schemas.js';
import type { DiagnosticDraft } from '../diagnostic-draft.js';
import { resolveRequirement } from '../resolve-requirement.js';
import { type PolicyValidator, ruleDraft } from '../validation-input.js';

/** Asking for more approvals than there are listed people means the request can only expire. */
export const unmeetableCount: PolicyValidator = {
  code: 'unmeetable-count',
  check({ rules, defaults }) {
    const defaultRoute = defaults[0]?.defaults.route;
    const drafts: DiagnosticDraft[] = [];
    for (const rule of rules) {
      if (rule.decision !== 'route_to_human') continue;
      const problem = findProblem(resolveRequirement(rule.name, rule.route, defaultRoute));
      if (problem)
        drafts.push(ruleDraft(rule, this.code, 'warning', [...rule.yamlPath, 'route'], problem, 'key'));
    }
    for (const { file, defaults: d } of defaults) {
      const problem = findProblem(resolveRequirement('default', d.route, undefined));
      if (problem) {
        drafts.push({
          file,
          path: ['defaults'],
          at: 'key',
          severity: 'warning',
          code: this.code,
          message: `defaults: ${problem}`,
        });
      }
    }
    return drafts;
  },
};

function findProblem(requirement: Requirement): string | null {
  const { approvers, count } = requirement;
  if (approvers.teams || approvers.permission) return null;
  const people = [approvers.users, approvers.slack, approvers.discord, approvers.email].reduce(
    (sum, list) => sum + (list?.length ?? 0),
    0,
  );
  if (count <= people) return null;
  return `needs ${count} approvals but lists only ${people} ${people === 1 ? 'person' : 'people'}, so requests can only expire; lower count or add approvers`;
}
