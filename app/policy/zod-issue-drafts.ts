/**
 * zod issues → diagnostics that name the rule and the key at fault and say what to fix.
 */
import type { z } from 'zod';
import { type DiagnosticDraft, formatYamlPath } from './diagnostic-draft.js';
import type { YamlPath } from './parse-policy-yaml.js';
import { OPERATORS } from './policy-file-schema.js';

const ALLOWED_KEYS: Record<string, string> = {
  file: 'rules, defaults',
  rule: 'name, description, if, decision, reason, route, overrides',
  defaults: 'decision, reason, route, overrides',
  route: 'approvers, count, via, timeout, notify, allow_requester',
  approvers: 'users, teams, permission, slack, discord, email',
  notify: 'slack, discord, email',
  case: 'name, request, expect, rules, requires, overrides',
  request: 'action, params, context, urgency, repository, requester',
  requirement: 'rule, approvers, count, via, timeout, notify, allow_requester',
  tests: 'cases',
};

/** What kind of map sits at a path (for the list of allowed keys). */
export type ContainerKind = keyof typeof ALLOWED_KEYS | 'operators' | null;

export function policyContainerKind(path: YamlPath): ContainerKind {
  if (path.length === 0) return 'file';
  if (path.includes('if')) return 'operators';
  const last = path[path.length - 1];
  if (path.length === 2 && path[0] === 'rules') return 'rule';
  if (path.length === 1 && last === 'defaults') return 'defaults';
  if (last === 'route' || last === 'approvers' || last === 'notify') return last;
  return null;
}

export function zodIssueDrafts(
  file: string,
  data: unknown,
  issues: readonly z.core.$ZodIssue[],
  containerKind: (path: YamlPath) => ContainerKind,
  subjectOf: (path: YamlPath) => { prefix: string; rule?: string; within: YamlPath },
): DiagnosticDraft[] {
  const drafts: DiagnosticDraft[] = [];
  const unknownFieldPaths = issues
    .filter((i) => codeParam(i) === 'unknown-field')
    .map((i) => formatYamlPath(i.path as YamlPath));
  const unknownKeyPaths = new Set(
    issues.filter((i) => i.code === 'unrecognized_keys').map((i) => formatYamlPath(i.path as YamlPath)),
  );
  for (const issue of issues) {
    const path = issue.path as YamlPath;
    const shown = formatYamlPath(path);
    // "Give at least one operator" is noise next to "unknown operator" on the same map.
    if (issue.code === 'custom' && !codeParam(issue) && unknownKeyPaths.has(shown)) continue;
    // An unknown field's value is not worth a second error.
    if (codeParam(issue) !== 'unknown-field' && unknownFieldPaths.some((p) => shown.startsWith(p))) continue;
    const subject = subjectOf(path);
    const where = formatYamlPath(path.slice(subject.within.length));
    const base = { file, severity: 'error' as const, ...(subject.rule ? { rule: subject.rule } : {}) };
    if (issue.code === 'unrecognized_keys') {
      const kind = containerKind(path);
      for (const key of issue.keys) {
        const keyPath = [...path, key];
        if (kind === 'operators') {
          drafts.push({
            ...base,
            path: keyPath,
            at: 'key',
            code: 'unknown-operator',
            message: `${subject.prefix}unknown operator "${key}" in ${where}; operators are ${OPERATORS.join(', ')}`,
          });
        } else {
          const allowed = kind ? `; allowed keys are ${ALLOWED_KEYS[kind]}` : '';
          drafts.push({
            ...base,
            path: keyPath,
            at: 'key',
            code: 'unknown-key',
            message: `${subject.prefix}unknown key "${key}"${where ? ` in ${where}` : ''}${allowed}`,
          });
        }
      }
      continue;
    }
    const missing = isMissing(data, path);
    const last = path[path.length - 1];
    const code =
      codeParam(issue) ?? (last === 'timeout' ? 'bad-duration' : missing ? 'missing-key' : 'invalid-value');
    const text = cleanMessage(issue);
    const parentWhere = formatYamlPath(path.slice(subject.within.length, -1));
    const message = missing
      ? `missing required key "${String(last)}"${parentWhere ? ` in ${parentWhere}` : ''}`
      : code === 'unknown-field' || !where || text.startsWith(`${String(last)} `)
        ? text
        : `${where}: ${text}`;
    drafts.push({
      ...base,
      path,
      ...(code === 'unknown-field' ? { at: 'key' as const } : {}),
      code,
      message: `${subject.prefix}${message}`,
    });
  }
  return drafts;
}

function codeParam(issue: z.core.$ZodIssue): string | undefined {
  const params = (issue as { params?: { code?: unknown } }).params;
  return typeof params?.code === 'string' ? params.code : undefined;
}

function cleanMessage(issue: z.core.$ZodIssue): string {
  return issue.message.replace(/^Invalid input: /, '');
}

function isMissing(data: unknown, path: YamlPath): boolean {
  if (path.length === 0) return false;
  let current: unknown = data;
  for (const segment of path.slice(0, -1)) {
    if (current === null || typeof current !== 'object') return false;
    current = (current as Record<string | number, unknown>)[segment];
  }
  if (current === null || typeof current !== 'object' || Array.isArray(current)) return false;
  return !Object.hasOwn(current, String(path[path.length - 1]));
}
