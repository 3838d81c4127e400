/**
 * The one comment per policy pull request that tells reviewers what the change does to past
 * requests: counts only (see policy-impact.ts). It carries a hidden marker so it is found and
 * edited in place — the app's own comment with it, never someone else's; it names no commit, so a
 * push that does not change the impact renders the same body and nothing is written. Pure.
 */
import type { PolicyImpact } from '../policy/diff-impact.js';
import { hasImpact, renderImpactMarkdown } from './policy-impact.js';

const IMPACT_MARKER = '<!-- agentgate:policy-impact -->';

export function isImpactComment(body: string): boolean {
  return body.includes(IMPACT_MARKER);
}

export function renderImpactComment(
  impact: PolicyImpact,
  options: { dir: string; scope: string; countsOnly?: boolean },
): string {
  const body = hasImpact(impact)
    ? renderImpactMarkdown(impact, {
        pathOf: (file) => `${options.dir}/${file}`,
        scope: options.scope,
        showVersions: false,
        countsOnly: options.countsOnly === true,
      })
    : `The latest changes no longer change how ${options.scope} would be decided.`;
  return [
    IMPACT_MARKER,
    '### AgentGate: what this policy change does',
    '',
    body,
    '',
    '<sub>Kept up to date as the pull request changes. The **AgentGate policy** check has the details; `agentgate policy diff` shows the requests behind these counts to whoever may read them.</sub>',
  ].join('\n');
}
