import { describe, expect, it } from 'vitest';
import { runPolicyTests } from '../../app/policy/index.js';
import { aPolicySet, aRule, rulesFile } from './builders.js';

const SET = aPolicySet({
  'p.yaml': rulesFile(
    aRule('reads', 'auto_approve', '{ action: "read_*" }'),
    aRule(
      'pay',
      'route_to_human',
      '{ action: "payments.*" }',
      '    route: { approvers: { teams: [acme/finance] }, count: 2, timeout: 4h }\n',
    ),
  ),
});

function run(text: string) {
  return runPolicyTests(SET, new Map([['tests/t.yaml', text]]));
}

describe('runPolicyTests', () => {
  it('passes cases whose decision, rules and requirements match', () => {
    const report = run(`cases:
  - name: reads
    request: { action: read_file }
    expect: auto_approve
    rules: [reads]
  - name: payments
    request: { action: payments.send, params: { amount: 5 } }
    expect: route_to_human
    requires:
      - { rule: pay, count: 2, approvers: { teams: [acme/finance] }, timeout: 240m }
`);
    expect(report).toMatchObject({ passed: 2, failed: 0, errors: [] });
    expect(report.cases.map((c) => [c.name, c.line, c.passed])).toEqual([
      ['reads', 2, true],
      ['payments', 6, true],
    ]);
  });

  it.each([
    ['a wrong decision', 'expect: auto_deny', 'expected auto_deny, got auto_approve by reads'],
    [
      'a rule that did not match',
      'expect: auto_approve\n    rules: [pay]',
      'expected rule "pay" to match; matching rules: reads',
    ],
    [
      'a rule that does not exist',
      'expect: auto_approve\n    rules: [nope]',
      'rule "nope" is not in the policy set',
    ],
    [
      'a requirement that is not there',
      'expect: auto_approve\n    requires: [{ rule: pay }]',
      'expected a requirement {"rule":"pay"}, got none',
    ],
  ])('fails on %s, saying what differed', (_label, expectation, failure) => {
    const report = run(`cases:\n  - name: c\n    request: { action: read_file }\n    ${expectation}\n`);
    expect(report).toMatchObject({ passed: 0, failed: 1 });
    expect(report.cases[0]?.failures.join('; ')).toContain(failure);
  });

  it('checks whether operator overrides are allowed, when a case says', () => {
    const report = run(`cases:
  - name: payments may be overridden
    request: { action: payments.send }
    expect: route_to_human
    overrides: true
  - name: payments claimed forbidden
    request: { action: payments.send }
    expect: route_to_human
    overrides: false
  - name: reads claimed forbidden
    request: { action: read_file }
    expect: auto_approve
    overrides: false
`);
    expect(report.cases.map((c) => [c.name, c.passed, c.failures])).toEqual([
      ['payments may be overridden', true, []],
      [
        'payments claimed forbidden',
        false,
        ['expected operator overrides to be forbidden, but no matching routing rule sets overrides: false'],
      ],
      [
        'reads claimed forbidden',
        false,
        ['expected operator overrides to be forbidden, but it is auto_approve: nothing is left to override'],
      ],
    ]);
  });

  it('reports a broken test file with its position', () => {
    const report = run(
      'cases:\n  - name: c\n    request: { action: read_file, prams: {} }\n    expect: auto_approve\n',
    );
    expect(report.cases).toEqual([]);
    expect(report.errors).toMatchObject([
      {
        file: 'tests/t.yaml',
        line: 3,
        column: 35,
        code: 'unknown-key',
        message:
          'case "c": unknown key "prams" in request; allowed keys are action, params, context, urgency, repository, requester',
      },
    ]);
  });

  it('reports a test case without an expectation', () => {
    const report = run('cases:\n  - name: c\n    request: { action: read_file }\n');
    expect(report.errors).toMatchObject([
      { line: 2, code: 'missing-key', message: 'case "c": missing required key "expect"' },
    ]);
  });
});
