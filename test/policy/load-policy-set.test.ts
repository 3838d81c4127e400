import { describe, expect, it } from 'vitest';
import { loadPolicySet } from '../../app/policy/index.js';
import { aRule, rulesFile } from './builders.js';

/** Rows: a file's text → the one diagnostic expected (line, column, code, severity, message part). */
const CASES: [
  label: string,
  text: string,
  line: number,
  column: number,
  code: string,
  severity: string,
  message: string,
][] = [
  [
    'unclosed quote',
    'rules:\n  - name: x\n    if:\n      action: "db.*\n    decision: auto_deny\n',
    4,
    15,
    'yaml-syntax',
    'error',
    'never closed',
  ],
  ['bad indentation', 'rules:\n  - name: x\n   if: {}\n', 3, 1, 'yaml-syntax', 'error', ''],
  [
    'duplicate key',
    'rules:\n  - name: x\n    name: y\n    if: {}\n    decision: auto_deny\n',
    3,
    5,
    'yaml-syntax',
    'error',
    'unique',
  ],
  ['tab indentation', 'rules:\n\t- name: x\n', 2, 1, 'yaml-syntax', 'error', ''],
  ['not a map', '- a\n- b\n', 1, 1, 'invalid-file', 'error', 'a policy file is a map'],
  [
    'unknown top-level key',
    'rule:\n  - name: x\n',
    1,
    1,
    'unknown-key',
    'error',
    'unknown key "rule"; allowed keys are rules, defaults',
  ],
  [
    'unknown rule key',
    rulesFile(aRule('r', 'auto_deny', '{}', '    reasons: typo\n')),
    5,
    5,
    'unknown-key',
    'error',
    'rule "r": unknown key "reasons"',
  ],
  [
    'unknown operator',
    rulesFile(aRule('r', 'auto_deny', '{ params.amount: { gt: 1, greater: 2 } }')),
    3,
    35,
    'unknown-operator',
    'error',
    'rule "r": unknown operator "greater" in if.params.amount',
  ],
  [
    'unknown field',
    rulesFile(aRule('r', 'auto_deny', '{ amount: { gt: 1 } }')),
    3,
    11,
    'unknown-field',
    'error',
    'rule "r": unknown field "amount"',
  ],
  [
    'bare params',
    rulesFile(aRule('r', 'auto_deny', '{ params: { x: 1 } }')),
    3,
    11,
    'unknown-field',
    'error',
    'unknown field "params"',
  ],
  [
    'missing decision',
    'rules:\n  - name: r\n    if: {}\n',
    2,
    5,
    'missing-key',
    'error',
    'rule "r": missing required key "decision"',
  ],
  [
    'missing approver list',
    rulesFile(aRule('r', 'route_to_human', '{}', '    route: { approvers: { users: } }\n')),
    5,
    34,
    'invalid-value',
    'error',
    'route.approvers.users',
  ],
  [
    'bad decision',
    rulesFile(aRule('r', 'approve', '{}')),
    4,
    15,
    'invalid-value',
    'error',
    'decision is one of auto_approve, auto_deny, route_to_human',
  ],
  [
    'bad rule name',
    rulesFile(aRule('has space', 'auto_deny', '{}')),
    2,
    11,
    'invalid-value',
    'error',
    'a rule name is',
  ],
  [
    'bad duration',
    rulesFile(aRule('r', 'route_to_human', '{}', '    route: { timeout: 4 hours }\n')),
    5,
    23,
    'bad-duration',
    'error',
    'timeout must be seconds or a duration',
  ],
  [
    'duration too long',
    rulesFile(aRule('r', 'route_to_human', '{}', '    route: { timeout: 91d }\n')),
    5,
    23,
    'bad-duration',
    'error',
    'longer than the maximum of 90d',
  ],
  [
    'bad permission',
    rulesFile(aRule('r', 'route_to_human', '{}', '    route: { approvers: { permission: owner } }\n')),
    5,
    39,
    'invalid-value',
    'error',
    'permission is one of',
  ],
  [
    'bad team',
    rulesFile(aRule('r', 'route_to_human', '{}', '    route: { approvers: { teams: [finance] } }\n')),
    5,
    35,
    'invalid-value',
    'error',
    'a team is written "org/slug"',
  ],
  [
    'empty approvers',
    rulesFile(aRule('r', 'route_to_human', '{}', '    route: { approvers: {} }\n')),
    5,
    25,
    'invalid-value',
    'error',
    'approvers must name at least one',
  ],
  [
    'route on a deny',
    rulesFile(aRule('r', 'auto_deny', '{}', '    route: { count: 2 }\n')),
    5,
    5,
    'route-on-non-routing-rule',
    'error',
    'rule "r": has a route but its decision is auto_deny',
  ],
  [
    'overrides on a rule that decides at once',
    rulesFile(aRule('r', 'auto_approve', '{}', '    overrides: false\n')),
    5,
    5,
    'overrides-on-non-routing-rule',
    'error',
    'rule "r": sets overrides but its decision is auto_approve, which leaves nothing for an operator to override',
  ],
  [
    'overrides that is not a boolean',
    rulesFile(aRule('r', 'route_to_human', '{}', '    overrides: "no"\n')),
    5,
    16,
    'invalid-value',
    'error',
    'overrides is true or false',
  ],
  [
    'defaults overrides that is not a boolean',
    'defaults:\n  overrides: never\n',
    2,
    14,
    'invalid-value',
    'error',
    'overrides is true or false',
  ],
  [
    'unknown urgency',
    rulesFile(aRule('r', 'auto_deny', '{ urgency: urgent }')),
    3,
    20,
    'bad-field-value',
    'error',
    'urgency "urgent" never occurs',
  ],
  [
    'numeric action',
    rulesFile(aRule('r', 'auto_deny', '{ action: 42 }')),
    3,
    19,
    'bad-field-value',
    'error',
    'action is always a string',
  ],
  [
    'list outside action',
    rulesFile(aRule('r', 'auto_deny', '{ params.env: [prod, production] }')),
    3,
    23,
    'list-outside-action',
    'error',
    'write params.env: {in: [...]}',
  ],
  [
    'bad glob',
    rulesFile(aRule('r', 'auto_deny', '{ action: "db.{drop" }')),
    3,
    19,
    'bad-glob',
    'error',
    'has a "{" without its closing "}"',
  ],
  [
    'empty any',
    rulesFile(aRule('r', 'auto_deny', '{ any: [] }')),
    3,
    16,
    'invalid-value',
    'error',
    'any needs at least one condition',
  ],
  [
    'no operators',
    rulesFile(aRule('r', 'auto_deny', '{ params.x: {} }')),
    3,
    21,
    'invalid-value',
    'error',
    'give at least one operator',
  ],
  [
    'unmeetable count',
    rulesFile(aRule('r', 'route_to_human', '{}', '    route: { approvers: { users: [alice] }, count: 2 }\n')),
    5,
    5,
    'unmeetable-count',
    'warning',
    'needs 2 approvals but lists only 1 person',
  ],
  [
    'shadowed by a broader deny',
    rulesFile(
      aRule('no-db', 'auto_deny', '{ action: "db.*" }'),
      aRule('small-reads', 'auto_approve', '{ action: "db.read*", params.limit: { lte: 100 } }'),
    ),
    6,
    11,
    'shadowed-by-deny',
    'warning',
    'rule "small-reads": never applies: auto_deny rule "no-db" (p.yaml:2)',
  ],
];

describe('loadPolicySet diagnostics', () => {
  it.each(CASES)('%s', (_label, text, line, column, code, severity, message) => {
    const result = loadPolicySet(new Map([['p.yaml', text]]));
    const all = [...result.errors, ...result.warnings];
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ file: 'p.yaml', line, column, code, severity });
    expect(all[0]?.message).toContain(message);
    expect(result.policySet === null).toBe(severity === 'error');
  });

  it('reports problems in every rule of a file, not just the first broken one', () => {
    const text = rulesFile(
      aRule('a', 'auto_deny', '{ params.x: { bogus: 1 } }'),
      aRule('b', 'auto_deny', '{ urgency: urgent }'),
      aRule('b', 'auto_deny', '{}'),
    );
    const result = loadPolicySet(new Map([['p.yaml', text]]));
    expect(result.errors.map((e) => [e.line, e.code])).toEqual([
      [3, 'unknown-operator'],
      [7, 'bad-field-value'],
      [10, 'duplicate-rule-name'],
    ]);
  });

  it('finds duplicate rule names across files', () => {
    const result = loadPolicySet(
      new Map([
        ['a.yaml', rulesFile(aRule('same', 'auto_deny', '{}'))],
        ['b.yaml', `# another file\n${rulesFile(aRule('same', 'auto_approve', '{}'))}`],
      ]),
    );
    expect(result.errors).toEqual([
      {
        file: 'b.yaml',
        line: 3,
        column: 11,
        severity: 'error',
        code: 'duplicate-rule-name',
        rule: 'same',
        message:
          'rule "same": duplicate rule name; "same" is already defined at a.yaml:2; rename one of them',
      },
    ]);
  });

  it('refuses a second defaults section', () => {
    const result = loadPolicySet(
      new Map([
        ['a.yaml', 'defaults: { decision: auto_deny }\n'],
        ['b.yaml', 'defaults: { decision: auto_approve }\n'],
      ]),
    );
    expect(result.errors).toMatchObject([{ file: 'b.yaml', line: 1, column: 1, code: 'duplicate-defaults' }]);
  });

  it('does not warn about rules a deny only partly covers', () => {
    const text = rulesFile(
      aRule('deny-prod', 'auto_deny', '{ action: "db.*", params.env: prod }'),
      aRule('db-reads', 'auto_approve', '{ action: "db.read*" }'),
      aRule('big', 'auto_deny', '{ action: "pay.*", params.amount: { gt: 1000 } }'),
      aRule('mid', 'route_to_human', '{ action: "pay.*", params.amount: { gt: 500 } }'),
      aRule('either', 'auto_deny', '{ any: [{ urgency: low }, { action: x }] }'),
      aRule('low', 'auto_approve', '{ urgency: low }'),
    );
    expect(loadPolicySet(new Map([['p.yaml', text]])).warnings).toEqual([]);
  });

  it.each([
    [
      '{ action: "pay.*", params.amount: { gt: 1000 } }',
      '{ action: pay.send, params.amount: { gte: 5000 } }',
    ],
    ['{ params.env: { in: [prod, production] } }', '{ params.env: prod, action: x }'],
    ['{ action: "github/**" }', '{ action: "github/repos/*" }'],
    ['{ action: { starts_with: "db." } }', '{ action: "db.drop*" }'],
    ['{}', '{ action: anything }'],
    ['{ all: [{ action: "db.*" }, { urgency: { ne: low } }] }', '{ action: db.drop, urgency: critical }'],
  ])('warns when deny %s covers %s', (denyCondition, ruleCondition) => {
    const text = rulesFile(aRule('d', 'auto_deny', denyCondition), aRule('r', 'auto_approve', ruleCondition));
    const result = loadPolicySet(new Map([['p.yaml', text]]));
    expect(result.warnings.map((w) => [w.code, w.rule])).toEqual([['shadowed-by-deny', 'r']]);
  });

  it('versions a set by a hash of its files, or by the version given', () => {
    const files = new Map([
      ['b.yaml', rulesFile(aRule('b', 'auto_deny', '{}'))],
      ['a.yaml', rulesFile(aRule('a', 'auto_approve', '{}'))],
    ]);
    const first = loadPolicySet(files).policySet;
    const reordered = loadPolicySet(new Map([...files].reverse())).policySet;
    const changed = loadPolicySet(new Map([...files, ['a.yaml', '']])).policySet;
    expect(first?.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(reordered?.version).toBe(first?.version);
    expect(changed?.version).not.toBe(first?.version);
    const sha = 'a'.repeat(40);
    expect(loadPolicySet(files, { version: sha, source: 'github:acme/app@x' }).policySet).toMatchObject({
      version: sha,
      source: 'github:acme/app@x',
    });
  });

  it('treats an empty or comment-only file as a file with no rules', () => {
    const result = loadPolicySet(
      new Map([
        ['empty.yaml', ''],
        ['comments.yaml', '# nothing yet\n'],
      ]),
    );
    expect(result.errors).toEqual([]);
    expect(result.policySet?.rules).toEqual([]);
    expect(result.policySet?.files).toEqual(['comments.yaml', 'empty.yaml']);
  });
});
