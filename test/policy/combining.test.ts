import { describe, expect, it } from 'vitest';
import { evaluatePolicy, formatEvaluation, loadPolicySet, type PolicySet } from '../../app/policy/index.js';
import { aPolicySet, aRequest, aRule, NOW, rulesFile } from './builders.js';

const approve = aRule('approve-pay', 'auto_approve', '{ action: "payments.*" }');
const deny = aRule(
  'deny-big',
  'auto_deny',
  '{ action: "payments.*", params.amount: { gt: 1000 } }',
  '    reason: Too much money\n',
);
const routeFinance = aRule(
  'finance',
  'route_to_human',
  '{ action: "payments.*", params.amount: { gt: 100 } }',
  '    route: { approvers: { teams: [acme/finance] }, timeout: 4h }\n',
);
const routeLegal = aRule(
  'legal',
  'route_to_human',
  '{ action: "payments.*", params.country: { ne: US } }',
  '    route: { approvers: { teams: [acme/legal], users: [alice] }, count: 2, via: check, notify: { slack: "#legal" }, allow_requester: true }\n',
);

/** Rows: rules present, amount, country → expected decision and deciding rules (order-independent). */
const CASES: [
  label: string,
  rules: string[],
  amount: number,
  country: string,
  decision: string,
  ruleNames: string[],
][] = [
  ['deny wins over route and approve', [approve, routeFinance, deny], 5000, 'US', 'auto_deny', ['deny-big']],
  ['deny wins whatever the order', [deny, routeFinance, approve], 5000, 'US', 'auto_deny', ['deny-big']],
  ['route wins over approve', [approve, routeFinance], 500, 'US', 'route_to_human', ['finance']],
  [
    'every matching routing rule applies',
    [routeFinance, routeLegal, approve],
    500,
    'FR',
    'route_to_human',
    ['finance', 'legal'],
  ],
  [
    'approve when only approve matches',
    [approve, routeFinance, deny],
    50,
    'US',
    'auto_approve',
    ['approve-pay'],
  ],
  ['defaults when nothing matches', [routeFinance, deny], 50, 'US', 'route_to_human', []],
];

describe('combining', () => {
  it.each(CASES)('%s', (_label, rules, amount, country, decision, ruleNames) => {
    const set = aPolicySet({ 'p.yaml': rulesFile(...rules) });
    const result = evaluatePolicy(
      set,
      aRequest({ action: 'payments.send', params: { amount, country } }),
      NOW,
    );
    expect(result.decision).toBe(decision);
    expect([...result.rules].sort()).toEqual([...ruleNames].sort());
    expect(result.reason).not.toContain('\n');
  });

  it('gives one requirement per matching routing rule, merged over the defaults', () => {
    const set = aPolicySet({
      'a.yaml': rulesFile(routeFinance),
      'b.yaml': rulesFile(routeLegal),
      'defaults.yaml': 'defaults:\n  route: { approvers: { permission: maintain }, count: 3, timeout: 1d }\n',
    });
    const result = evaluatePolicy(
      set,
      aRequest({ action: 'payments.send', params: { amount: 500, country: 'FR' } }),
      NOW,
    );
    expect(result.requirements).toEqual([
      {
        rule: 'finance',
        approvers: { teams: ['acme/finance'] },
        count: 3,
        via: 'issue',
        timeout: '4h',
        notify: null,
        allowRequester: false,
      },
      {
        rule: 'legal',
        approvers: { users: ['alice'], teams: ['acme/legal'] },
        count: 2,
        via: 'check',
        timeout: '1d',
        notify: { slack: '#legal' },
        allowRequester: true,
      },
    ]);
    expect(result.reason).toBe(
      'Needs human approval: "finance" needs 3 approvals from members of acme/finance; "legal" needs 2 approvals from alice or members of acme/legal',
    );
  });

  it('uses the built-in route when neither the rule nor the defaults give one', () => {
    const set = aPolicySet({ 'p.yaml': rulesFile(aRule('r', 'route_to_human', '{ action: x }')) });
    expect(evaluatePolicy(set, aRequest({ action: 'x' }), NOW).requirements).toEqual([
      {
        rule: 'r',
        approvers: { permission: 'write' },
        count: 1,
        via: 'issue',
        timeout: null,
        notify: null,
        allowRequester: false,
      },
    ]);
  });

  it('uses the rule reason for a denial, or generates one', () => {
    const withReason = aPolicySet({ 'p.yaml': rulesFile(deny) });
    const request = aRequest({ action: 'payments.send', params: { amount: 5000 } });
    expect(evaluatePolicy(withReason, request, NOW).reason).toBe('Too much money');
    const without = aPolicySet({
      'p.yaml': rulesFile(aRule('no-pay', 'auto_deny', '{ action: "payments.*" }')),
    });
    expect(evaluatePolicy(without, request, NOW).reason).toBe('Denied by policy rule "no-pay"');
  });

  it('with no policy files routes everything to someone with write permission', () => {
    const result = loadPolicySet(new Map());
    expect(result.errors).toEqual([]);
    const evaluation = evaluatePolicy(result.policySet as PolicySet, aRequest({ action: 'read_file' }), NOW);
    expect(evaluation).toMatchObject({
      decision: 'route_to_human',
      rules: [],
      requirements: [
        {
          rule: 'default',
          approvers: { permission: 'write' },
          count: 1,
          via: 'issue',
          timeout: null,
          notify: null,
          allowRequester: false,
        },
      ],
      conditions: [],
    });
    expect(evaluation.reason).toBe('No policy files; needs 1 approval from anyone with write access or more');
  });

  it('applies defaults that approve or deny, with their reason', () => {
    const set = aPolicySet({
      'd.yaml': 'defaults:\n  decision: auto_deny\n  reason: Unknown actions are not allowed\n',
    });
    expect(evaluatePolicy(set, aRequest(), NOW)).toMatchObject({
      decision: 'auto_deny',
      requirements: [],
      reason: 'Unknown actions are not allowed',
    });
  });

  it('combines overlapping rules from several files', () => {
    const set = aPolicySet({
      'payments.yaml': rulesFile(routeFinance),
      'security.yaml': rulesFile(aRule('no-sanctioned', 'auto_deny', '{ params.country: { in: [KP, IR] } }')),
      'reads.yaml': rulesFile(approve),
    });
    const request = aRequest({ action: 'payments.send', params: { amount: 500, country: 'KP' } });
    const result = evaluatePolicy(set, request, NOW);
    expect(result.decision).toBe('auto_deny');
    expect(result.rules).toEqual(['no-sanctioned']);
    expect(result.conditions.filter((c) => c.matched).map((c) => `${c.file}:${c.rule}`)).toEqual([
      'payments.yaml:finance',
      'reads.yaml:approve-pay',
      'security.yaml:no-sanctioned',
    ]);
  });

  it('traces every check of every evaluated rule, in words', () => {
    const set = aPolicySet({ 'p.yaml': rulesFile(deny) });
    const result = evaluatePolicy(
      set,
      aRequest({ action: 'payments.send', params: { amount: '5000' } }),
      NOW,
    );
    expect(result.conditions).toEqual([
      {
        rule: 'deny-big',
        file: 'p.yaml',
        decision: 'auto_deny',
        matched: false,
        checks: [
          expect.objectContaining({
            path: 'if.action',
            operator: 'glob',
            passed: true,
            text: 'action is "payments.send", which matches "payments.*"',
          }),
          expect.objectContaining({
            path: 'if.params.amount',
            field: 'params.amount',
            operator: 'gt',
            expected: 1000,
            actual: '5000',
            passed: false,
            text: 'params.amount is "5000" (a string), so "is greater than 1000" (a number) does not hold; values are never converted',
          }),
        ],
      },
    ]);
  });

  it('decides the same with the action index and with every rule traced', () => {
    const set = aPolicySet({
      'p.yaml': rulesFile(
        approve,
        deny,
        routeFinance,
        routeLegal,
        aRule('any', 'route_to_human', '{ urgency: critical }'),
      ),
    });
    for (const action of ['payments.send', 'payments', 'other', 'payments.x/y']) {
      for (const amount of [50, 500, 5000]) {
        const request = aRequest({
          action,
          urgency: amount === 500 ? 'critical' : 'normal',
          params: { amount, country: 'FR' },
        });
        const fast = evaluatePolicy(set, request, NOW);
        const full = evaluatePolicy(set, request, NOW, { trace: 'all' });
        expect(fast.decision).toBe(full.decision);
        expect(fast.rules).toEqual(full.rules);
        expect(full.conditions).toHaveLength(5);
      }
    }
  });

  it('returns requirements the caller may change without changing the policy set', () => {
    const set = aPolicySet({ 'p.yaml': rulesFile(routeFinance) });
    const request = aRequest({ action: 'payments.send', params: { amount: 500 } });
    const first = evaluatePolicy(set, request, NOW).requirements[0]!;
    first.count = 99;
    first.approvers.teams?.push('acme/everyone');
    expect(evaluatePolicy(set, request, NOW).requirements[0]).toMatchObject({
      count: 1,
      approvers: { teams: ['acme/finance'] },
    });
  });

  it('never throws, even for a malformed request', () => {
    const set = aPolicySet({ 'p.yaml': rulesFile(approve, deny) });
    const broken = {
      action: 42,
      params: null,
      context: 'x',
      urgency: 'normal',
      repository: null,
      requester: {},
    };
    const result = evaluatePolicy(set, broken as never, NOW);
    expect(result.decision).toBe('route_to_human');
  });
});

describe('operator overrides (most restrictive wins; a rule beats the defaults)', () => {
  const forbid = (rule: string) => rule.replace(/(\n)?$/, '\n    overrides: false\n').replace(/\n\n$/, '\n');
  const allow = (rule: string) => rule.replace(/(\n)?$/, '\n    overrides: true\n').replace(/\n\n$/, '\n');
  const forbidDefaults = 'defaults:\n  overrides: false\n';
  const paymentOf = (amount: number, country: string) =>
    aRequest({ action: 'payments.send', params: { amount, country } });

  /** Rows: files, amount, country → the rules that forbid overrides. */
  const OVERRIDE_CASES: [
    label: string,
    files: Record<string, string>,
    amount: number,
    country: string,
    forbiddenBy: string[],
  ][] = [
    ['allowed when nothing says otherwise', { 'p.yaml': rulesFile(routeFinance, routeLegal) }, 500, 'FR', []],
    [
      'one forbidding rule forbids',
      { 'p.yaml': rulesFile(forbid(routeFinance), routeLegal) },
      500,
      'FR',
      ['finance'],
    ],
    [
      'every forbidding rule is named',
      { 'p.yaml': rulesFile(forbid(routeFinance), forbid(routeLegal)) },
      500,
      'FR',
      ['finance', 'legal'],
    ],
    [
      'a forbidding rule that does not match does not count',
      { 'p.yaml': rulesFile(routeFinance, forbid(routeLegal)) },
      500,
      'US',
      [],
    ],
    [
      'the defaults forbid for every routing rule that does not say',
      { 'p.yaml': rulesFile(routeFinance, allow(routeLegal)), 'd.yaml': forbidDefaults },
      500,
      'FR',
      ['finance'],
    ],
    [
      'the defaults forbid when they route',
      { 'p.yaml': rulesFile(routeFinance), 'd.yaml': forbidDefaults },
      50,
      'US',
      ['default'],
    ],
    [
      'nothing to override when a rule approves',
      { 'p.yaml': rulesFile(approve, routeFinance), 'd.yaml': forbidDefaults },
      50,
      'US',
      [],
    ],
    [
      'nothing to override when a rule denies',
      { 'p.yaml': rulesFile(deny, forbid(routeFinance)) },
      5000,
      'US',
      [],
    ],
  ];

  it.each(OVERRIDE_CASES)('%s', (_label, files, amount, country, forbiddenBy) => {
    const result = evaluatePolicy(aPolicySet(files), paymentOf(amount, country), NOW);
    expect(result.overridesForbiddenBy).toEqual(forbiddenBy);
  });

  it('shows the setting in `policy explain` text', () => {
    const forbidden = evaluatePolicy(
      aPolicySet({ 'p.yaml': rulesFile(forbid(routeFinance)) }),
      paymentOf(500, 'US'),
      NOW,
    );
    expect(formatEvaluation(forbidden)).toContain(
      'overrides: forbidden by finance (an API key cannot decide it; its approvers must)',
    );
    const allowed = evaluatePolicy(
      aPolicySet({ 'p.yaml': rulesFile(routeFinance) }),
      paymentOf(500, 'US'),
      NOW,
    );
    expect(formatEvaluation(allowed)).toContain('overrides: allowed');
    const approved = evaluatePolicy(aPolicySet({ 'p.yaml': rulesFile(approve) }), paymentOf(5, 'US'), NOW);
    expect(formatEvaluation(approved)).not.toContain('overrides:');
  });
});
