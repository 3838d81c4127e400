/** A loaded, validated and compiled policy set: what `evaluatePolicy` runs. */
import type { PolicyDecisionKind, PolicyDiagnostic, Requirement } from '../../sdk/schemas.js';
import type { CompiledCondition } from './compile-condition.js';
import type { ActionIndex } from './create-action-index.js';

export interface CompiledRule {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly description: string | null;
  readonly decision: PolicyDecisionKind;
  readonly reason: string | null;
  readonly condition: CompiledCondition;
  /** For `route_to_human` rules: the route merged over the defaults. */
  readonly requirement: Requirement | null;
  /** Whether an operator may decide the requests it routes through the API (rule, else defaults, else true). */
  readonly overrides: boolean;
}

export interface PolicyDefaults {
  readonly decision: PolicyDecisionKind;
  readonly reason: string | null;
  /** Requirement named `default`, used when the defaults route to humans. */
  readonly requirement: Requirement;
  /** `defaults.overrides`: true unless the policy set forbids operator overrides by default. */
  readonly overrides: boolean;
  /** Where the defaults were written; null when built in. */
  readonly file: string | null;
}

export interface PolicySet {
  /** Content hash (`sha256:…`) for a directory; the commit SHA when read from GitHub. */
  readonly version: string;
  /** Where it was read, e.g. `dir:policies` or `github:owner/name@sha`. */
  readonly source: string;
  readonly files: readonly string[];
  readonly rules: readonly CompiledRule[];
  readonly defaults: PolicyDefaults;
  readonly index: ActionIndex;
}

export interface PolicyLoadResult {
  /** Null exactly when `errors` is not empty. */
  policySet: PolicySet | null;
  errors: PolicyDiagnostic[];
  warnings: PolicyDiagnostic[];
}
