/**
 * The impact report of a policy change, as a reviewer reads it: Markdown for the check run and the
 * pull request comment, plain text for `agentgate policy diff`. Widening comes first and is
 * flagged on every line, so it cannot be missed. No `@` mentions: a report never notifies anyone.
 *
 * The Markdown is published on a pull request, to whoever can read it: it shows counts only — per
 * action and decision change, or (`countsOnly`, the owner's shared `.github` policies, replayed
 * over other repositories' requests) per decision change alone — and never a request's id,
 * params, context or requester. Examples with ids and params exist only in the text for
 * `agentgate policy diff`, which reads requests through the authenticated API.
 * Pure (snapshot-tested in test/github/policy-pull-requests.test.ts).
 */
import type { PolicyDecisionKind } from '../../sdk/schemas.js';
import { describeRequirement } from '../policy/describe-decision.js';
import type {
  DecisionChangeGroup,
  ImpactExample,
  PolicyImpact,
  RequirementChangeGroup,
  RequirementShape,
  RuleRef,
} from '../policy/diff-impact.js';

export interface ImpactRenderOptions {
  /** A policy file as the reader finds it, e.g. `main.yaml` → `policies/main.yaml`. */
  pathOf?: (file: string) => string;
  /** The same for the base set's files, when they live elsewhere (`policy diff <base-dir> <head-dir>`). */
  basePathOf?: (file: string) => string;
  /** What was replayed, e.g. `the last 500 requests of acme/payments`. */
  scope?: string;
  /** Show the base and head versions (the comment leaves them out: it is edited only when the impact changes). */
  showVersions?: boolean;
  /** Groups listed per section before "and N more" (default 15). */
  maxGroups?: number;
  /**
   * Markdown only: counts per decision change, without action names (a `<owner>/.github` pull
   * request replays other repositories' requests; nothing of theirs but counts is shown).
   */
  countsOnly?: boolean;
}

/** Where the head's and the base's policy files are shown. */
interface Paths {
  head: (file: string) => string;
  base: (file: string) => string;
}

function pathsOf(options: ImpactRenderOptions): Paths {
  const head = options.pathOf ?? ((f: string) => f);
  return { head, base: options.basePathOf ?? head };
}

const DECISIONS: readonly PolicyDecisionKind[] = ['auto_approve', 'route_to_human', 'auto_deny'];
const WIDENS = '⚠️';

/** `abc1234` for a commit SHA, `sha256:0123456789ab` for a content hash. */
export function shortVersion(version: string): string {
  if (/^[0-9a-f]{40}$/i.test(version)) return version.slice(0, 7);
  return version.length > 19 ? version.slice(0, 19) : version;
}

export function hasImpact(impact: PolicyImpact): boolean {
  return impact.decisionsChanged + impact.requirementsChanged > 0;
}

/** `12 past requests would meet fewer humans: …` — the one sentence a reviewer must read. */
export function describeWidening(impact: PolicyImpact): string | null {
  if (impact.widened === 0) return null;
  const approved = impact.decisionChanges
    .filter((g) => g.direction === 'widens' && g.to === 'auto_approve')
    .reduce((sum, g) => sum + g.count, 0);
  const parts: string[] = [];
  if (approved > 0) parts.push(`${plural(approved, 'request')} would now be approved automatically`);
  const others = impact.widened - approved;
  if (others > 0)
    parts.push(`${plural(others, 'request')} would need fewer or lesser approvals, or no longer be denied`);
  return `This change widens what agents may do: ${parts.join('; ')}.`;
}

/** Markdown for GitHub (check run summary, pull request comment). */
export function renderImpactMarkdown(impact: PolicyImpact, options: ImpactRenderOptions = {}): string {
  const paths = pathsOf(options);
  const max = options.maxGroups ?? 15;
  const lines: string[] = [];
  const scope = options.scope ?? `${plural(impact.replayed, 'past request')}`;
  if (impact.replayed === 0) {
    lines.push(`No past requests to replay (${scope}), so no impact can be shown yet.`);
    return [...lines, ...rulesMarkdown(impact, paths)].join('\n');
  }
  const widening = describeWidening(impact);
  if (widening) lines.push(`> ${WIDENS} **${widening}**`, '');
  lines.push(
    `Replayed ${scope} under the base and the head policies: ${countsSentence(impact)}.`,
    '',
    '| policies | auto_approve | route_to_human | auto_deny |',
    '|---|---:|---:|---:|',
    totalsRow('base', impact, 'base', options),
    totalsRow('head', impact, 'head', options),
  );
  if (options.countsOnly) {
    lines.push(...countsOnlyMarkdown(impact));
    return [...lines, ...rulesMarkdown(impact, paths)].join('\n');
  }
  if (impact.decisionChanges.length > 0) {
    lines.push('', '#### Decisions that change', '');
    for (const group of impact.decisionChanges.slice(0, max)) lines.push(decisionMarkdown(group, paths));
    lines.push(...moreMarkdown(impact.decisionChanges, max));
  }
  if (impact.requirementChanges.length > 0) {
    lines.push('', '#### Approvals that change', '');
    for (const group of impact.requirementChanges.slice(0, max)) {
      lines.push(requirementMarkdown(group, paths));
    }
    lines.push(...moreMarkdown(impact.requirementChanges, max));
  }
  return [...lines, ...rulesMarkdown(impact, paths)].join('\n');
}

/** Plain text for the terminal (`agentgate policy diff`). */
export function renderImpactText(impact: PolicyImpact, options: ImpactRenderOptions = {}): string {
  const paths = pathsOf(options);
  const out: string[] = [];
  const versions = `base ${shortVersion(impact.baseVersion)} → head ${shortVersion(impact.headVersion)}`;
  out.push(`Impact of ${versions} on ${options.scope ?? plural(impact.replayed, 'request')}`);
  if (impact.replayed > 0) {
    const widening = describeWidening(impact);
    if (widening) out.push(`!! ${widening}`);
    out.push(`${countsSentence(impact)}.`);
    const width = Math.max(...DECISIONS.map((d) => d.length));
    out.push(`      ${DECISIONS.map((d) => d.padStart(width)).join('  ')}`);
    for (const side of ['base', 'head'] as const) {
      out.push(`${side}  ${DECISIONS.map((d) => String(impact.totals[side][d]).padStart(width)).join('  ')}`);
    }
  } else {
    out.push('No requests to replay.');
  }
  const section = (title: string, groups: readonly (DecisionChangeGroup | RequirementChangeGroup)[]) => {
    if (groups.length === 0) return;
    out.push('', `${title}:`);
    for (const group of groups) {
      const mark = group.direction === 'widens' ? '!! ' : '   ';
      out.push(`${mark}${'from' in group ? decisionHeadline(group) : requirementHeadline(group)}`);
      out.push(`     ${because(group, paths, (s) => s)}`);
      if ('base' in group) {
        out.push(
          `     before: ${requirementsText(group.base)}`,
          `     after:  ${requirementsText(group.head)}`,
        );
      }
      out.push(`     e.g. ${group.examples.map((e) => exampleText(e)).join(' · ')}`);
    }
  };
  section('Decisions that change', impact.decisionChanges);
  section('Approvals that change', impact.requirementChanges);
  const { added, removed } = impact.rules;
  if (added.length > 0) out.push('', `Rules added: ${added.map((r) => refText(r, paths.head)).join(', ')}`);
  if (removed.length > 0)
    out.push(
      `${added.length > 0 ? '' : '\n'}Rules removed: ${removed.map((r) => refText(r, paths.base)).join(', ')}`,
    );
  return `${out.join('\n')}\n`;
}

function countsSentence(impact: PolicyImpact): string {
  const changed = impact.decisionsChanged;
  const decisions = `${changed === 0 ? 'none' : changed} of ${plural(impact.replayed, 'decision')} ${changed === 1 ? 'changes' : 'change'}`;
  const other = impact.requirementsChanged;
  const approvals =
    other === 0 ? '' : `, ${plural(other, 'more request')} ${other === 1 ? 'needs' : 'need'} other approvals`;
  return `${decisions}${approvals}, ${impact.unchanged} unchanged`;
}

function totalsRow(label: string, impact: PolicyImpact, side: 'base' | 'head', options: ImpactRenderOptions) {
  const version = side === 'base' ? impact.baseVersion : impact.headVersion;
  const name = options.showVersions === false ? label : `${label} \`${shortVersion(version)}\``;
  const cells = DECISIONS.map((d) => {
    const n = impact.totals[side][d];
    const delta = side === 'head' ? n - impact.totals.base[d] : 0;
    return delta === 0 ? String(n) : `**${n}** (${delta > 0 ? '+' : ''}${delta})`;
  });
  return `| ${name} | ${cells.join(' | ')} |`;
}

function decisionHeadline(group: DecisionChangeGroup): string {
  return `${group.action}: ${group.from} → ${group.to} ×${group.count}`;
}

function requirementHeadline(group: RequirementChangeGroup): string {
  return `${group.action}: other approvals ×${group.count}`;
}

/** One line per group: counts, the rules and the approvals (policy text), never a request's data. */
function decisionMarkdown(group: DecisionChangeGroup, paths: Paths): string {
  const mark = group.direction === 'widens' ? `${WIDENS} ` : '';
  return `- ${mark}**${code(group.action)}: ${group.from} → ${group.to} ×${group.count}** — ${because(group, paths, code)}`;
}

function requirementMarkdown(group: RequirementChangeGroup, paths: Paths): string {
  const mark = group.direction === 'widens' ? `${WIDENS} ` : '';
  return `- ${mark}**${code(group.action)} ×${group.count}**${howMarkdown(group.direction)}: ${requirementsText(group.base)} → **${requirementsText(group.head)}** — ${because(group, paths, code)}`;
}

function howMarkdown(direction: DecisionChangeGroup['direction']): string {
  return direction === 'changes' ? '' : ` (${direction === 'widens' ? 'fewer humans' : 'more humans'})`;
}

/** Counts per decision change and per direction of approval changes: no action, no rule, no request. */
function countsOnlyMarkdown(impact: PolicyImpact): string[] {
  const lines: string[] = [];
  const decisions = new Map<string, { direction: DecisionChangeGroup['direction']; count: number }>();
  for (const group of impact.decisionChanges) {
    const key = `${group.from} → ${group.to}`;
    const entry = decisions.get(key) ?? { direction: group.direction, count: 0 };
    entry.count += group.count;
    decisions.set(key, entry);
  }
  if (decisions.size > 0) {
    lines.push('', '#### Decisions that change', '');
    for (const [change, { direction, count }] of sortCounts(decisions)) {
      lines.push(`- ${direction === 'widens' ? `${WIDENS} ` : ''}**${change} ×${count}**`);
    }
  }
  const approvals = new Map<string, { direction: RequirementChangeGroup['direction']; count: number }>();
  for (const group of impact.requirementChanges) {
    const entry = approvals.get(group.direction) ?? { direction: group.direction, count: 0 };
    entry.count += group.count;
    approvals.set(group.direction, entry);
  }
  if (approvals.size > 0) {
    lines.push('', '#### Approvals that change', '');
    for (const [, { direction, count }] of sortCounts(approvals)) {
      const what =
        direction === 'widens'
          ? 'fewer or lesser approvals'
          : direction === 'narrows'
            ? 'more or higher approvals'
            : 'other approvals';
      lines.push(`- ${direction === 'widens' ? `${WIDENS} ` : ''}**${what} ×${count}**`);
    }
  }
  lines.push(
    '',
    'Action names, rules per request and examples are not shown here: these are other repositories’ requests. `agentgate policy diff` shows them to whoever may read those requests.',
  );
  return lines;
}

function sortCounts<T extends { direction: DecisionChangeGroup['direction']; count: number }>(
  entries: Map<string, T>,
): [string, T][] {
  return [...entries].sort(
    ([a, x], [b, y]) => RANK[x.direction] - RANK[y.direction] || y.count - x.count || a.localeCompare(b),
  );
}

const RANK: Record<DecisionChangeGroup['direction'], number> = { widens: 0, changes: 1, narrows: 2 };

function moreMarkdown(groups: readonly { count: number }[], max: number): string[] {
  if (groups.length <= max) return [];
  const rest = groups.slice(max);
  const requests = rest.reduce((sum, g) => sum + g.count, 0);
  return [`- …and ${plural(rest.length, 'more group')} (${plural(requests, 'request')})`];
}

function rulesMarkdown(impact: PolicyImpact, paths: Paths): string[] {
  const { added, removed } = impact.rules;
  const lines: string[] = [];
  if (added.length === 0 && removed.length === 0) return lines;
  lines.push('', '#### Rules');
  if (added.length > 0) lines.push(`- added: ${added.map((r) => refText(r, paths.head, code)).join(', ')}`);
  if (removed.length > 0)
    lines.push(`- removed: ${removed.map((r) => refText(r, paths.base, code)).join(', ')}`);
  return lines;
}

/** `was "a" (policies/x.yaml:3), now "b" (policies/x.yaml:9)`; no rules means the defaults. */
function because(
  group: { baseRules: RuleRef[]; headRules: RuleRef[] },
  paths: Paths,
  name: (s: string) => string,
): string {
  const side = (rules: RuleRef[], pathOf: (f: string) => string) =>
    rules.length === 0 ? 'the defaults' : rules.map((r) => refText(r, pathOf, name)).join(' + ');
  const before = side(group.baseRules, paths.base);
  const after = side(group.headRules, paths.head);
  return before === after ? `by ${after}` : `was ${before}; now ${after}`;
}

function refText(
  rule: RuleRef,
  pathOf: (f: string) => string,
  name: (s: string) => string = (s) => s,
): string {
  return rule.file ? `${name(rule.name)} (${pathOf(rule.file)}:${rule.line})` : name(rule.name);
}

function requirementsText(shapes: readonly RequirementShape[]): string {
  if (shapes.length === 0) return 'no approvals';
  return shapes
    .map((s) => {
      const extras = [
        s.timeout ? `timeout ${s.timeout}` : 'no timeout',
        ...(s.allowRequester ? ['the requester may approve'] : []),
      ];
      return `${describeRequirement({ ...s, notify: null })} (${extras.join(', ')})`;
    })
    .join(' and ');
}

function exampleText(example: ImpactExample): string {
  return `${example.id ?? 'request'} ${truncate(JSON.stringify(example.params), 80)}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Inline code that survives backticks and pipes (tables) in the value. */
function code(text: string): string {
  const safe = text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return safe.includes('`') ? `\`\` ${safe} \`\`` : `\`${safe}\``;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
