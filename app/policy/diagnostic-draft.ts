/** A diagnostic before it has a position: where it is (a YAML path) and what is wrong. */
import type { PolicyDiagnostic } from '../../sdk/schemas.js';
import { locateYamlPath, type ParsedYaml, type YamlPath } from './parse-policy-yaml.js';

export interface DiagnosticDraft {
  file: string;
  path: YamlPath;
  /** Point at the key (`gtt:`) rather than its value. */
  at?: 'key' | 'value';
  severity: 'error' | 'warning';
  code: string;
  message: string;
  rule?: string;
}

export function placeDiagnostic(draft: DiagnosticDraft, parsed: ParsedYaml | undefined): PolicyDiagnostic {
  const { line, column } = parsed ? locateYamlPath(parsed, draft.path, draft.at) : { line: 1, column: 1 };
  const diagnostic: PolicyDiagnostic = {
    file: draft.file,
    line,
    column,
    severity: draft.severity,
    code: draft.code,
    message: draft.message,
  };
  if (draft.rule !== undefined) diagnostic.rule = draft.rule;
  return diagnostic;
}

/** `['rules', 0, 'if', 'params.amount']` → `rules[0].if.params.amount`. */
export function formatYamlPath(path: YamlPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Orders diagnostics by file, then position. */
export function compareDiagnostics(a: PolicyDiagnostic, b: PolicyDiagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}
