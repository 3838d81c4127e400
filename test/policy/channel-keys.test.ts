/** Discord and email in policies: `approvers.discord`, `approvers.email`, `notify.discord`, `notify.email`. */
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, loadPolicySet } from '../../app/policy/index.js';
import { aPolicySet, aRequest, aRule, NOW, rulesFile } from './builders.js';

const ALICE = '200000000000000001';
const CHANNEL = '100000000000000001';

describe('Discord and email policy keys', () => {
  it('carries approvers and channels into the requirement, rule over defaults key by key', () => {
    const set = aPolicySet({
      'p.yaml':
        `defaults:\n  route:\n    notify: { slack: "#approvals", email: [ops@example.com] }\n` +
        rulesFile(
          aRule(
            'pay',
            'route_to_human',
            '{ action: "pay.*" }',
            `    route:\n      approvers: { discord: ["${ALICE}"], email: [Alice@Example.com] }\n      count: 2\n      notify: { discord: ["${CHANNEL}"] }\n`,
          ),
        ),
    });
    const [requirement] = evaluatePolicy(set, aRequest({ action: 'pay.out' }), NOW).requirements;
    expect(requirement).toMatchObject({
      rule: 'pay',
      approvers: { discord: [ALICE], email: ['Alice@Example.com'] },
      count: 2,
      notify: { slack: '#approvals', discord: [CHANNEL], email: ['ops@example.com'] },
    });
  });

  it('does not warn about a count the Discord and email approvers can meet together', () => {
    const text = rulesFile(
      aRule(
        'r',
        'route_to_human',
        '{}',
        `    route: { approvers: { discord: ["${ALICE}"], email: [a@example.com] }, count: 2 }\n`,
      ),
    );
    const result = loadPolicySet(new Map([['p.yaml', text]]));
    expect([...result.errors, ...result.warnings]).toEqual([]);
  });

  const CASES: [label: string, route: string, message: string][] = [
    [
      'a Discord user id that is a name',
      '{ approvers: { discord: [alice] } }',
      'a Discord user id is a number of 17–20 digits',
    ],
    ['an empty Discord list', '{ approvers: { discord: [] } }', 'list at least one Discord user ID'],
    [
      'an email approver that is not an address',
      '{ approvers: { email: [alice] } }',
      'an email address looks like alice@example.com',
    ],
    [
      'a Discord channel that is a name',
      '{ notify: { discord: ["#approvals"] } }',
      'a Discord channel id is a number of 17–20 digits',
    ],
    ['notify.discord as one string', `{ notify: { discord: "${CHANNEL}" } }`, 'expected array'],
    [
      'a bad notify address',
      '{ notify: { email: ["ops at example"] } }',
      'an email address looks like alice@example.com',
    ],
    ['an unknown notify channel', '{ notify: { teams: [x] } }', 'allowed keys are slack, discord, email'],
  ];
  it.each(CASES)('refuses %s with a sentence that says what to write', (_label, route, message) => {
    const result = loadPolicySet(
      new Map([['p.yaml', rulesFile(aRule('r', 'route_to_human', '{}', `    route: ${route}\n`))]]),
    );
    expect(result.policySet).toBeNull();
    expect(result.errors.map((e) => e.message).join('\n')).toContain(message);
  });
});
