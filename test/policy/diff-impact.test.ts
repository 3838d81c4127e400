import { describe, expect, it } from 'vitest';
import { diffPolicyImpact, parseReplayRequests, type ReplayRequest } from '../../app/policy/index.js';
import { aPolicySet, aRequest, NOW } from './builders.js';

let n = 0;
function replay(overrides: Partial<ReplayRequest> = {}): ReplayRequest {
  n++;
  return {
    ...aRequest(),
    id: `req_${n}`,
    createdAt: `2025-05-01T00:00:${String(n % 60).padStart(2, '0')}.000Z`,
    ...overrides,
  };
}

const BASE = aPolicySet({
  'main.yaml': `
rules:
  - name: reads-are-safe
    if: { action: "read_*" }
    decision: auto_approve
  - name: emails-need-review
    if: { action: send_email }
    decision: route_to_human
    route: { approvers: { permission: write }, count: 1 }
  - name: payments-need-finance
    if: { action: "payments.*" }
    decision: route_to_human
    route: { approvers: { teams: [acme/finance] }, count: 2, timeout: 4h }
  - name: never-drop
    if: { action: "db.drop*" }
    decision: auto_deny
defaults:
  decision: route_to_human
`,
});

function head(yaml: string) {
  return aPolicySet({ 'main.yaml': yaml });
}

describe('diffPolicyImpact', () => {
  it('finds nothing when the head decides every request as the base did', () => {
    const requests = [replay(), replay({ action: 'read_file' }), replay({ action: 'db.drop_table' })];
    const impact = diffPolicyImpact(BASE, BASE, requests, NOW);
    expect(impact).toMatchObject({
      replayed: 3,
      unchanged: 3,
      decisionsChanged: 0,
      requirementsChanged: 0,
      widened: 0,
      decisionChanges: [],
      requirementChanges: [],
      rules: { added: [], removed: [] },
      totals: { base: { auto_approve: 1, route_to_human: 1, auto_deny: 1 } },
    });
  });

  it('groups a silent widening — emails now auto-approved — with the rule responsible and examples', () => {
    const widened = head(`
rules:
  - name: reads-are-safe
    if: { action: "read_*" }
    decision: auto_approve
  - name: internal-mail-is-fine
    if: { action: send_email }
    decision: auto_approve
  - name: payments-need-finance
    if: { action: "payments.*" }
    decision: route_to_human
    route: { approvers: { teams: [acme/finance] }, count: 2, timeout: 4h }
  - name: never-drop
    if: { action: "db.drop*" }
    decision: auto_deny
defaults:
  decision: route_to_human
`);
    const emails = Array.from({ length: 12 }, (_, i) => replay({ params: { to: `u${i}@example.com` } }));
    const impact = diffPolicyImpact(BASE, widened, [...emails, replay({ action: 'read_x' })], NOW);
    expect(impact.decisionsChanged).toBe(12);
    expect(impact.widened).toBe(12);
    expect(impact.unchanged).toBe(1);
    expect(impact.decisionChanges).toEqual([
      {
        action: 'send_email',
        from: 'route_to_human',
        to: 'auto_approve',
        count: 12,
        direction: 'widens',
        baseRules: [{ name: 'emails-need-review', file: 'main.yaml', line: 6 }],
        headRules: [{ name: 'internal-mail-is-fine', file: 'main.yaml', line: 6 }],
        examples: emails.slice(0, 3).map((r) => ({ id: r.id, createdAt: r.createdAt, params: r.params })),
      },
    ]);
    expect(impact.rules).toEqual({
      added: [{ name: 'internal-mail-is-fine', file: 'main.yaml', line: 6 }],
      removed: [{ name: 'emails-need-review', file: 'main.yaml', line: 6 }],
    });
    expect(impact.totals.head).toEqual({ auto_approve: 13, route_to_human: 0, auto_deny: 0 });
  });

  it.each([
    ['approve → route', 'read_file', 'route_to_human', 'narrows'],
    ['deny → route', 'db.drop_table', 'route_to_human', 'widens'],
    ['route → deny', 'send_email', 'auto_deny', 'narrows'],
  ] as const)('%s is %s', (_name, action, to, direction) => {
    // The head removes every rule and lets the defaults decide, except emails which it denies.
    const changed = head(`
rules:
  - name: no-email
    if: { action: send_email }
    decision: auto_deny
defaults:
  decision: route_to_human
`);
    const impact = diffPolicyImpact(BASE, changed, [replay({ action })], NOW);
    expect(impact.decisionChanges).toMatchObject([{ action, to, direction, count: 1 }]);
    expect(impact.widened).toBe(direction === 'widens' ? 1 : 0);
  });

  it.each([
    ['fewer approvals', '{ teams: [acme/finance] }, count: 1, timeout: 4h', 'widens'],
    ['more approvals', '{ teams: [acme/finance] }, count: 3, timeout: 4h', 'narrows'],
    [
      'the requester may approve',
      '{ teams: [acme/finance] }, count: 2, timeout: 4h, allow_requester: true',
      'widens',
    ],
    ['another team', '{ teams: [acme/treasury] }, count: 2, timeout: 4h', 'changes'],
    ['a longer timeout', '{ teams: [acme/finance] }, count: 2, timeout: 2d', 'changes'],
  ])('reports a requirement change (%s) as %s', (_name, route, direction) => {
    const [approvers, ...rest] = route.split('}, ');
    const changed = head(`
rules:
  - name: payments-need-finance
    if: { action: "payments.*" }
    decision: route_to_human
    route: { approvers: ${approvers} }, ${rest.join('}, ')} }
`);
    const impact = diffPolicyImpact(BASE, changed, [replay({ action: 'payments.send' })], NOW);
    expect(impact.decisionsChanged).toBe(0);
    expect(impact.requirementsChanged).toBe(1);
    expect(impact.requirementChanges).toMatchObject([
      {
        action: 'payments.send',
        direction,
        count: 1,
        base: [
          { rule: 'payments-need-finance', count: 2, timeout: '4h', approvers: { teams: ['acme/finance'] } },
        ],
      },
    ]);
  });

  it('sees a lower permission asked of the same number of people as widening', () => {
    const changed = head(`
rules:
  - name: emails-need-review
    if: { action: send_email }
    decision: route_to_human
    route: { approvers: { permission: triage }, count: 1 }
`);
    const impact = diffPolicyImpact(BASE, changed, [replay()], NOW);
    expect(impact.requirementChanges).toMatchObject([{ direction: 'widens' }]);
  });

  it('does not count a renamed rule or a timeout written differently as a change', () => {
    const renamed = head(`
rules:
  - name: payments-finance
    if: { action: "payments.*" }
    decision: route_to_human
    route: { approvers: { teams: [acme/finance] }, count: 2, timeout: 240m }
`);
    const impact = diffPolicyImpact(BASE, renamed, [replay({ action: 'payments.send' })], NOW);
    expect(impact).toMatchObject({ unchanged: 1, requirementsChanged: 0, decisionsChanged: 0 });
  });

  it('puts widening groups first, then the largest, and keeps at most `examples` per group', () => {
    const changed = head(`
rules:
  - name: reads-need-review
    if: { action: "read_*" }
    decision: route_to_human
  - name: drops-need-review
    if: { action: "db.drop*" }
    decision: route_to_human
defaults:
  decision: route_to_human
`);
    const requests = [
      ...Array.from({ length: 5 }, () => replay({ action: 'read_file' })),
      replay({ action: 'db.drop_table' }),
    ];
    const impact = diffPolicyImpact(BASE, changed, requests, NOW, { examples: 2 });
    expect(impact.decisionChanges.map((g) => [g.action, g.direction, g.count, g.examples.length])).toEqual([
      ['db.drop_table', 'widens', 1, 1],
      ['read_file', 'narrows', 5, 2],
    ]);
  });
});

describe('parseReplayRequests', () => {
  it('reads API requests and hand-written ones, ignoring keys a policy never reads', () => {
    const text = [
      JSON.stringify({
        id: 'req_1',
        action: 'send_email',
        params: { to: 'a@b.c' },
        status: 'approved',
        createdAt: '2025-01-01T00:00:00.000Z',
        repository: 'acme/app',
        requester: { type: 'api_key', name: 'bot' },
        policyDecision: { decision: 'auto_approve' },
      }),
      '',
      '{"action":"read_file"}',
    ].join('\n');
    expect(parseReplayRequests(text)).toEqual({
      requests: [
        {
          id: 'req_1',
          createdAt: '2025-01-01T00:00:00.000Z',
          action: 'send_email',
          params: { to: 'a@b.c' },
          context: {},
          urgency: 'normal',
          repository: 'acme/app',
          requester: { type: 'api_key', name: 'bot' },
        },
        {
          id: null,
          createdAt: null,
          action: 'read_file',
          params: {},
          context: {},
          urgency: 'normal',
          repository: null,
          requester: {},
        },
      ],
      errors: [],
    });
  });

  it('reports each bad line with its number', () => {
    const { requests, errors } = parseReplayRequests('{"action":"ok"}\nnot json\n[1]\n{"params":{}}\n');
    expect(requests).toHaveLength(1);
    expect(errors.map((e) => e.where)).toEqual(['line 2', 'line 3', 'line 4']);
    expect(errors[2]?.message).toMatch(/^action: /);
  });

  it('reads a whole JSON document: an array, or {requests, pagination} as `agentgate list --json` prints it', () => {
    const listed = JSON.stringify(
      { requests: [{ action: 'a' }, { action: 'b' }], pagination: { total: 2 } },
      null,
      2,
    );
    expect(parseReplayRequests(listed).requests.map((r) => r.action)).toEqual(['a', 'b']);
    const array = parseReplayRequests('[{"action":"a"}, {"nope":1}]');
    expect(array.requests.map((r) => r.action)).toEqual(['a']);
    expect(array.errors.map((e) => e.where)).toEqual(['request #2']);
  });
});
