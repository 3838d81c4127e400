/** Attempts to sneak a request past a deny, and what the engine does about each. */
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, loadPolicySet } from '../../app/policy/index.js';
import { aPolicySet, aRequest, aRule, NOW, rulesFile } from './builders.js';

const POLICIES = {
  'db.yaml': rulesFile(
    aRule(
      'never-drop-prod',
      'auto_deny',
      '{ action: "db.drop*", params.database: { in: [prod, production] } }',
    ),
    aRule('reads', 'auto_approve', '{ action: "read_*" }'),
  ),
  'payments.yaml': rulesFile(
    aRule('small', 'auto_approve', '{ action: "payments.*", params.amount: { lte: 1000 } }'),
    aRule('big', 'route_to_human', '{ action: "payments.*", params.amount: { gt: 1000 } }'),
  ),
};

describe('bypass attempts', () => {
  it('a params.action field does not stand in for the action', () => {
    const set = aPolicySet(POLICIES);
    const request = aRequest({ action: 'db.drop_table', params: { action: 'read_file', database: 'prod' } });
    expect(evaluatePolicy(set, request, NOW)).toMatchObject({
      decision: 'auto_deny',
      rules: ['never-drop-prod'],
    });
  });

  it('params named like top-level fields are only reachable as params.<name>', () => {
    const set = aPolicySet({ 'p.yaml': rulesFile(aRule('crit', 'auto_approve', '{ urgency: critical }')) });
    const request = aRequest({
      urgency: 'low',
      params: { urgency: 'critical' },
      context: { urgency: 'critical' },
    });
    expect(evaluatePolicy(set, request, NOW).decision).toBe('route_to_human');
  });

  it.each([
    ['"5000" as a string', '5000'],
    ['"1e6" as a string', '1e6'],
    ['true', true],
    ['a list', [5000]],
  ])('an amount of %s is never coerced into an auto-approval', (_label, amount) => {
    const set = aPolicySet(POLICIES);
    const result = evaluatePolicy(set, aRequest({ action: 'payments.send', params: { amount } }), NOW);
    expect(result.decision).toBe('route_to_human');
    expect(result.rules).toEqual([]);
  });

  it('an equality on a number does not match the same digits as text', () => {
    const set = aPolicySet({ 'p.yaml': rulesFile(aRule('r', 'auto_deny', '{ params.id: 1000 }')) });
    expect(evaluatePolicy(set, aRequest({ params: { id: 1000 } }), NOW).decision).toBe('auto_deny');
    expect(evaluatePolicy(set, aRequest({ params: { id: '1000' } }), NOW).decision).toBe('route_to_human');
  });

  it('prototype properties are not fields', () => {
    const set = aPolicySet({
      'p.yaml': rulesFile(aRule('r', 'auto_approve', '{ params.constructor: { exists: true } }')),
    });
    expect(evaluatePolicy(set, aRequest({ params: {} }), NOW).decision).toBe('route_to_human');
    const proto = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    const set2 = aPolicySet({ 'p.yaml': rulesFile(aRule('r', 'auto_approve', '{ params.x: 1 }')) });
    expect(evaluatePolicy(set2, aRequest({ params: Object.create(proto) }), NOW).decision).toBe(
      'route_to_human',
    );
  });

  it.each(['(a+)+$', '(a|a)*$', '(a*)*b', '(\\\\w+\\\\s?)*$', '(\\\\d|1)+x', '(x+x+)+y', '(?:a{1,}){2,}'])(
    'refuses the backtracking regex %s at load time, naming the rule',
    (pattern) => {
      const result = loadPolicySet(
        new Map([
          ['p.yaml', rulesFile(aRule('evil-regex', 'auto_deny', `{ params.to: { matches: "${pattern}" } }`))],
        ]),
      );
      expect(result.policySet).toBeNull();
      expect(result.errors).toEqual([
        expect.objectContaining({ code: 'unsafe-regex', rule: 'evil-regex', line: 3, file: 'p.yaml' }),
      ]);
      expect(result.errors[0]?.message).toMatch(/^rule "evil-regex": the regular expression .* is unsafe/);
    },
  );

  it.each(['(?=x)abc', '(a)\\\\1', '[unclosed'])('refuses %s, which RE2 cannot run', (pattern) => {
    const result = loadPolicySet(
      new Map([['p.yaml', rulesFile(aRule('r', 'auto_deny', `{ params.to: { matches: "${pattern}" } }`))]]),
    );
    expect(result.errors.map((e) => e.code)).toEqual(['unsafe-regex']);
  });

  it('refuses a regex longer than the cap', () => {
    const result = loadPolicySet(
      new Map([
        ['p.yaml', rulesFile(aRule('r', 'auto_deny', `{ params.to: { matches: "${'a'.repeat(501)}" } }`))],
      ]),
    );
    expect(result.errors[0]?.message).toContain('the limit is 500');
  });

  it('accepts ordinary regexes', () => {
    for (const pattern of [
      '^[a-z0-9._%+-]+@acme\\\\.com$',
      '(\\\\d+\\\\.){3}\\\\d+',
      '^(foo|bar)+$',
      '(?i)drop\\\\s+table',
    ]) {
      aPolicySet({
        'p.yaml': rulesFile(aRule('r', 'auto_deny', `{ params.to: { matches: "${pattern}" } }`)),
      });
    }
  });

  // A backtracking engine would not finish this within the test timeout; bench/policy.ts measures speed.
  it('runs globs in linear time, even ones that make backtracking engines hang', () => {
    const set = aPolicySet({
      'p.yaml': rulesFile(aRule('r', 'auto_deny', '{ params.path: { glob: "*a*a*a*a*a*a*a*a*b" } }')),
    });
    const result = evaluatePolicy(set, aRequest({ params: { path: 'a'.repeat(5_000) } }), NOW);
    expect(result.decision).toBe('route_to_human');
  });

  it('a glob character in the action is literal data, not a pattern', () => {
    const set = aPolicySet({ 'p.yaml': rulesFile(aRule('r', 'auto_approve', '{ action: "read_file" }')) });
    expect(evaluatePolicy(set, aRequest({ action: 'read_*' }), NOW).decision).toBe('route_to_human');
  });
});
