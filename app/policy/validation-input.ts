/** What the semantic validators see: every file that parsed, its rules normalized. */
import type { DiagnosticDraft } from './diagnostic-draft.js';
import type { NormalizedCondition } from './normalize-condition.js';
import type { ParsedYaml, YamlPath } from './parse-policy-yaml.js';
import type { Defaults, Route, Rule } from './policy-file-schema.js';

export interface NormalizedRule {
  file: string;
  yamlPath: YamlPath;
  name: string;
  description: string | null;
  decision: Rule['decision'];
  reason: string | null;
  route: Route | undefined;
  overrides: boolean | undefined;
  condition: NormalizedCondition;
}

export interface DefaultsEntry {
  file: string;
  defaults: Defaults;
}

export interface ValidationInput {
  parsed: ReadonlyMap<string, ParsedYaml>;
  rules: readonly NormalizedRule[];
  defaults: readonly DefaultsEntry[];
}

/** One named semantic check. Its code is the diagnostic's code. */
export interface PolicyValidator {
  code: string;
  check(input: ValidationInput): DiagnosticDraft[];
}

export function ruleDraft(
  rule: NormalizedRule,
  code: string,
  severity: 'error' | 'warning',
  path: YamlPath,
  message: string,
  at: 'key' | 'value' = 'value',
): DiagnosticDraft {
  return {
    file: rule.file,
    path,
    at,
    severity,
    code,
    rule: rule.name,
    message: `rule "${rule.name}": ${message}`,
  };
}
