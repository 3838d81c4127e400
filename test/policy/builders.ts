/** Small builders for policy tests: a request, a loaded set from YAML, one rule. */
import { expect } from 'vitest';
import { loadPolicySet, type PolicyRequest, type PolicySet } from '../../app/policy/index.js';

export const NOW = new Date('2025-06-01T12:00:00.000Z');

export function aRequest(overrides: Partial<PolicyRequest> = {}): PolicyRequest {
  return {
    action: 'send_email',
    params: {},
    context: {},
    urgency: 'normal',
    repository: 'acme/app',
    requester: { type: 'api_key', name: 'agent' },
    ...overrides,
  };
}

/** Loads files (name → YAML) and fails the test if the set has errors. */
export function aPolicySet(files: Record<string, string>): PolicySet {
  const result = loadPolicySet(new Map(Object.entries(files)));
  expect(result.errors).toEqual([]);
  return result.policySet as PolicySet;
}

/** One rule as YAML: `aRule('r', 'auto_deny', '{ action: "db.*" }')`. */
export function aRule(name: string, decision: string, condition: string, extra = ''): string {
  return `  - name: ${name}\n    if: ${condition}\n    decision: ${decision}\n${extra}`;
}

export function rulesFile(...rules: string[]): string {
  return `rules:\n${rules.join('\n')}\n`;
}
