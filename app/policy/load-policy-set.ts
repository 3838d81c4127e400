/**
 * Policy files (path → YAML text) → a policy set, or the reasons there is none.
 * parse (YAML with positions) → structure (zod) → normalize → validate (named rules) → compile.
 * Pure: the caller reads the files (a directory, or a commit on GitHub).
 */

import type { z } from 'zod';
import type { PolicyDiagnostic } from '../../sdk/schemas.js';
import { type CompileFailure, compileCondition } from './compile-condition.js';
import { createActionIndex } from './create-action-index.js';
import { compareDiagnostics, type DiagnosticDraft, placeDiagnostic } from './diagnostic-draft.js';
import { hashPolicyFiles } from './hash-policy-files.js';
import { normalizeCondition } from './normalize-condition.js';
import { locateYamlPath, type ParsedYaml, parsePolicyYaml, type YamlPath } from './parse-policy-yaml.js';
import { type Defaults, PolicyFileShellSchema, type Rule, RuleSchema } from './policy-file-schema.js';
import type { CompiledRule, PolicyDefaults, PolicyLoadResult, PolicySet } from './policy-set.js';
import { resolveRequirement } from './resolve-requirement.js';
import type { DefaultsEntry, NormalizedRule } from './validation-input.js';
import { POLICY_VALIDATORS } from './validators/index.js';
import { policyContainerKind, zodIssueDrafts } from './zod-issue-drafts.js';

export interface LoadPolicyOptions {
  /** Defaults to a content hash of the files; GitHub passes the commit SHA. */
  version?: string;
  /** Where the files came from, e.g. `dir:policies` or `github:owner/name@sha`. */
  source?: string;
}

export function loadPolicySet(
  files: ReadonlyMap<string, string>,
  options: LoadPolicyOptions = {},
): PolicyLoadResult {
  const errors: PolicyDiagnostic[] = [];
  const warnings: PolicyDiagnostic[] = [];
  const parsedFiles = new Map<string, ParsedYaml>();
  const rules: NormalizedRule[] = [];
  const defaults: DefaultsEntry[] = [];
  const place = (drafts: DiagnosticDraft[]) => {
    for (const draft of drafts) {
      const diagnostic = placeDiagnostic(draft, parsedFiles.get(draft.file));
      (diagnostic.severity === 'error' ? errors : warnings).push(diagnostic);
    }
  };

  const paths = [...files.keys()].sort();
  for (const file of paths) {
    const result = parsePolicyYaml(file, files.get(file) ?? '');
    if (!result.ok) {
      errors.push(...result.errors);
      continue;
    }
    warnings.push(...result.warnings);
    parsedFiles.set(file, result.parsed);
    const data = readPolicyFile(result.parsed, place);
    if (data === null) continue;
    for (const { rule, index } of data.rules) {
      const yamlPath = ['rules', index];
      rules.push({
        file,
        yamlPath,
        name: rule.name,
        description: rule.description ?? null,
        decision: rule.decision,
        reason: rule.reason ?? null,
        route: rule.route,
        overrides: rule.overrides,
        condition: normalizeCondition(rule.if, 'if', [...yamlPath, 'if']),
      });
    }
    if (data.defaults) defaults.push({ file, defaults: data.defaults });
  }

  for (const validator of POLICY_VALIDATORS) {
    place(validator.check({ parsed: parsedFiles, rules, defaults }));
  }
  if (errors.length === 0) {
    const compiled = compileRules(rules, defaults, parsedFiles);
    place(compiled.failures);
    if (errors.length === 0) {
      const policySet: PolicySet = Object.freeze({
        version: options.version ?? hashPolicyFiles(files),
        source: options.source ?? 'memory',
        files: Object.freeze(paths),
        rules: Object.freeze(compiled.rules),
        defaults: compiled.defaults,
        index: createActionIndex(rules.map((r) => r.condition)),
      });
      return { policySet, errors, warnings: warnings.sort(compareDiagnostics) };
    }
  }
  return {
    policySet: null,
    errors: errors.sort(compareDiagnostics),
    warnings: warnings.sort(compareDiagnostics),
  };
}

/**
 * Structure check. Each rule is checked on its own, so one broken rule does not hide the
 * problems of the others: valid rules still go through the semantic checks.
 */
interface CheckedFile {
  /** The rules that passed the structure check, with their position in the file. */
  rules: { rule: Rule; index: number }[];
  defaults: Defaults | undefined;
}

function readPolicyFile(parsed: ParsedYaml, place: (drafts: DiagnosticDraft[]) => void): CheckedFile | null {
  const value = parsed.value ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    place([
      {
        file: parsed.file,
        path: [],
        severity: 'error',
        code: 'invalid-file',
        message: 'a policy file is a map with the keys rules: (a list) and defaults:',
      },
    ]);
    return null;
  }
  const report = (issues: readonly z.core.$ZodIssue[]) =>
    place(zodIssueDrafts(parsed.file, value, issues, policyContainerKind, (path) => subjectOf(value, path)));
  const shell = PolicyFileShellSchema.safeParse(value);
  if (!shell.success) {
    report(shell.error.issues);
    return null;
  }
  const rules: CheckedFile['rules'] = [];
  shell.data.rules?.forEach((raw, index) => {
    const rule = RuleSchema.safeParse(raw);
    if (rule.success) rules.push({ rule: rule.data, index });
    else report(rule.error.issues.map((issue) => ({ ...issue, path: ['rules', index, ...issue.path] })));
  });
  return { rules, defaults: shell.data.defaults };
}

function subjectOf(value: object, path: YamlPath): { prefix: string; rule?: string; within: YamlPath } {
  if (path[0] !== 'rules' || typeof path[1] !== 'number') return { prefix: '', within: [] };
  const name = ((value as { rules?: unknown[] }).rules?.[path[1]] as { name?: unknown } | undefined)?.name;
  const shown = typeof name === 'string' ? `rule "${name}"` : `rule #${path[1] + 1}`;
  return {
    prefix: `${shown}: `,
    within: path.slice(0, 2),
    ...(typeof name === 'string' ? { rule: name } : {}),
  };
}

function compileRules(
  rules: readonly NormalizedRule[],
  defaults: readonly DefaultsEntry[],
  parsedFiles: ReadonlyMap<string, ParsedYaml>,
): { rules: CompiledRule[]; defaults: PolicyDefaults; failures: DiagnosticDraft[] } {
  const entry = defaults[0];
  const defaultRoute = entry?.defaults.route;
  const defaultOverrides = entry?.defaults.overrides ?? true;
  const failures: DiagnosticDraft[] = [];
  const compiled = rules.map((rule): CompiledRule => {
    const ruleFailures: CompileFailure[] = [];
    const condition = compileCondition(rule.condition, ruleFailures);
    for (const failure of ruleFailures) {
      failures.push({
        file: rule.file,
        path: failure.yamlPath,
        severity: 'error',
        code: 'compile-failed',
        rule: rule.name,
        message: `rule "${rule.name}": ${failure.error}`,
      });
    }
    const parsed = parsedFiles.get(rule.file);
    return Object.freeze({
      name: rule.name,
      file: rule.file,
      line: parsed ? locateYamlPath(parsed, rule.yamlPath).line : 1,
      description: rule.description,
      decision: rule.decision,
      reason: rule.reason,
      condition,
      requirement:
        rule.decision === 'route_to_human' ? resolveRequirement(rule.name, rule.route, defaultRoute) : null,
      // A rule's own setting beats the defaults (DESIGN §11); combining across rules is in evaluate.
      overrides: rule.overrides ?? defaultOverrides,
    });
  });
  return {
    rules: compiled,
    defaults: Object.freeze({
      decision: entry?.defaults.decision ?? 'route_to_human',
      reason: entry?.defaults.reason ?? null,
      requirement: resolveRequirement('default', defaultRoute, undefined),
      overrides: defaultOverrides,
      file: entry?.file ?? null,
    }),
    failures,
  };
}
