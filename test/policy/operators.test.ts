import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../app/policy/index.js';
import { aPolicySet, aRequest, aRule, NOW, rulesFile } from './builders.js';

/** Each row: a condition on one field, the field's value (undefined = missing) and whether it matches. */
const CASES: [condition: string, value: unknown, matches: boolean][] = [
  ['{ params.x: prod }', 'prod', true],
  ['{ params.x: prod }', 'production', false],
  ['{ params.x: 1000 }', 1000, true],
  ['{ params.x: 1000 }', '1000', false],
  ['{ params.x: true }', 'true', false],
  ['{ params.x: null }', null, true],
  ['{ params.x: null }', undefined, false],
  ['{ params.x: { eq: 5 } }', 5, true],
  ['{ params.x: { eq: 5 } }', '5', false],
  ['{ params.x: { ne: prod } }', 'dev', true],
  ['{ params.x: { ne: prod } }', 'prod', false],
  ['{ params.x: { ne: prod } }', undefined, true],
  ['{ params.x: { in: [a, b] } }', 'b', true],
  ['{ params.x: { in: [a, b] } }', 'c', false],
  ['{ params.x: { in: [1, 2] } }', '1', false],
  ['{ params.x: { in: [a] } }', undefined, false],
  ['{ params.x: { not_in: [a, b] } }', 'c', true],
  ['{ params.x: { not_in: [a, b] } }', 'a', false],
  ['{ params.x: { not_in: [a] } }', undefined, true],
  ['{ params.x: { gt: 10 } }', 11, true],
  ['{ params.x: { gt: 10 } }', 10, false],
  ['{ params.x: { gt: 10 } }', '11', false],
  ['{ params.x: { gt: 10 } }', undefined, false],
  ['{ params.x: { gte: 10 } }', 10, true],
  ['{ params.x: { gte: 10 } }', 9.99, false],
  ['{ params.x: { lt: 10 } }', 9, true],
  ['{ params.x: { lt: 10 } }', 10, false],
  ['{ params.x: { lte: 10 } }', 10, true],
  ['{ params.x: { lte: 10 } }', 11, false],
  ['{ params.x: { lte: 10 } }', null, false],
  ['{ params.x: { gt: "2025-01-01" } }', '2025-03-01', true],
  ['{ params.x: { gt: "2025-01-01" } }', 20250301, false],
  ['{ params.x: { matches: "^[a-z]+@example\\\\.com$" } }', 'bob@example.com', true],
  ['{ params.x: { matches: "^[a-z]+@example\\\\.com$" } }', 'bob@example.com.evil', false],
  ['{ params.x: { matches: "example" } }', 'an example here', true],
  ['{ params.x: { matches: "(?i)^prod$" } }', 'PROD', true],
  ['{ params.x: { matches: "1" } }', 1, false],
  ['{ params.x: { glob: "src/**/*.ts" } }', 'src/a/b/c.ts', true],
  ['{ params.x: { glob: "src/**/*.ts" } }', 'src/c.ts', true],
  ['{ params.x: { glob: "src/**/*.ts" } }', 'lib/c.ts', false],
  ['{ params.x: { glob: "src/*.ts" } }', 'src/a/c.ts', false],
  ['{ params.x: { glob: "secrets/**" } }', 'secrets/.env', true],
  ['{ params.x: { glob: ["*.md", "docs/**"] } }', 'docs/x/y.png', true],
  ['{ params.x: { starts_with: "refs/heads/" } }', 'refs/heads/main', true],
  ['{ params.x: { starts_with: "refs/heads/" } }', 'refs/tags/v1', false],
  ['{ params.x: { ends_with: ".prod" } }', 'db.prod', true],
  ['{ params.x: { ends_with: ".prod" } }', 'db.prod.bak', false],
  ['{ params.x: { contains: "DROP" } }', 'please DROP it', true],
  ['{ params.x: { contains: "DROP" } }', 'drop', false],
  ['{ params.x: { contains: admin } }', ['read', 'admin'], true],
  ['{ params.x: { contains: admin } }', ['read'], false],
  ['{ params.x: { contains: 1 } }', ['1'], false],
  ['{ params.x: { exists: true } }', null, true],
  ['{ params.x: { exists: true } }', false, true],
  ['{ params.x: { exists: true } }', undefined, false],
  ['{ params.x: { exists: false } }', undefined, true],
  ['{ params.x: { exists: false } }', 0, false],
  // Every operator of a condition must hold, not just the first.
  ['{ params.x: { gt: 1000, lte: 100000 } }', 5000, true],
  ['{ params.x: { gt: 1000, lte: 100000 } }', 500000, false],
  ['{ params.x: { gt: 1000, lte: 100000 } }', 500, false],
  ['{ params.x: { exists: true, ne: null, starts_with: a } }', 'abc', true],
  ['{ params.x: { exists: true, ne: null, starts_with: a } }', 'xbc', false],
];

describe('operators', () => {
  it.each(CASES)('%s with %j → %s', (condition, value, matches) => {
    const set = aPolicySet({ 'p.yaml': rulesFile(aRule('r', 'auto_approve', condition)) });
    const params = value === undefined ? {} : { x: value };
    const result = evaluatePolicy(set, aRequest({ params }), NOW);
    expect(result.decision).toBe(matches ? 'auto_approve' : 'route_to_human');
    const trace = result.conditions.find((c) => c.rule === 'r');
    expect(trace?.matched).toBe(matches);
    expect(trace?.checks.every((c) => c.text.startsWith('params.x is'))).toBe(true);
  });
});

/** Action globs: whole string, `.` literal, list means any. */
const ACTION_CASES: [pattern: string, action: string, matches: boolean][] = [
  ['"read_*"', 'read_file', true],
  ['"read_*"', 'unread_file', false],
  ['"db.*"', 'db.drop_table', true],
  ['"db.*"', 'dbx', false],
  ['"db.*"', 'db', false],
  ['"db.drop*"', 'db.drop', true],
  ['"deploy:production"', 'deploy:production', true],
  ['"deploy:production"', 'deploy:production-eu', false],
  ['"deploy:*"', 'deploy:staging', true],
  ['["read_*", "list_*"]', 'list_users', true],
  ['["read_*", "list_*"]', 'delete_users', false],
  ['"github/*"', 'github/merge', true],
  ['"github/*"', 'github/repos/merge', false],
  ['"github/**"', 'github/repos/merge', true],
  ['"{read,list}_*"', 'list_x', true],
  ['"send_?mail"', 'send_email', true],
  ['"[a-c]*"', 'b.thing', true],
  ['"[!a-c]*"', 'b.thing', false],
  ['{ eq: send_email }', 'send_email', true],
  ['{ in: [a, send_email] }', 'send_email', true],
  ['{ starts_with: "payments." }', 'payments.send', true],
  ['{ matches: "^payments\\\\.(send|wire)$" }', 'payments.wire', true],
  ['{ glob: "payments.*" }', 'payments.refund', true],
];

describe('action matching', () => {
  it.each(ACTION_CASES)('action: %s vs %s → %s', (pattern, action, matches) => {
    const set = aPolicySet({ 'p.yaml': rulesFile(aRule('r', 'auto_deny', `{ action: ${pattern} }`)) });
    expect(evaluatePolicy(set, aRequest({ action }), NOW).decision).toBe(
      matches ? 'auto_deny' : 'route_to_human',
    );
  });
});

/** Combinators and the other addressable fields. */
const COMBINATOR_CASES: [condition: string, request: Parameters<typeof aRequest>[0], matches: boolean][] = [
  [
    '{ all: [{ action: deploy }, { any: [{ params.env: prod }, { urgency: critical }] }] }',
    { action: 'deploy', params: { env: 'prod' } },
    true,
  ],
  [
    '{ all: [{ action: deploy }, { any: [{ params.env: prod }, { urgency: critical }] }] }',
    { action: 'deploy', urgency: 'critical' },
    true,
  ],
  [
    '{ all: [{ action: deploy }, { any: [{ params.env: prod }, { urgency: critical }] }] }',
    { action: 'deploy', params: { env: 'dev' } },
    false,
  ],
  [
    '{ all: [{ action: deploy }, { any: [{ params.env: prod }, { urgency: critical }] }] }',
    { action: 'other', params: { env: 'prod' } },
    false,
  ],
  ['{ not: { params.env: prod } }', { params: { env: 'dev' } }, true],
  ['{ not: { params.env: prod } }', { params: { env: 'prod' } }, false],
  [
    '{ action: send_email, not: { any: [{ params.to: { ends_with: "@acme.com" } }, { urgency: low }] } }',
    { params: { to: 'x@evil.com' } },
    true,
  ],
  [
    '{ action: send_email, not: { any: [{ params.to: { ends_with: "@acme.com" } }, { urgency: low }] } }',
    { params: { to: 'x@acme.com' } },
    false,
  ],
  ['{ repository: acme/app }', {}, true],
  ['{ repository: null }', { repository: null }, true],
  ['{ repository: { glob: "acme/*" } }', { repository: 'other/app' }, false],
  ['{ requester.type: github_actions }', { requester: { type: 'github_actions', actor: 'x' } }, true],
  ['{ requester.name: agent }', {}, true],
  ['{ context.onBehalfOf: { exists: true } }', { context: { onBehalfOf: 'alice' } }, true],
  ['{ params.db.name: prod }', { params: { db: { name: 'prod' } } }, true],
  ['{ params.recipients.0: ceo@acme.com }', { params: { recipients: ['ceo@acme.com'] } }, true],
  ['{ params.recipients.1: { exists: true } }', { params: { recipients: ['a'] } }, false],
  ['{}', {}, true],
];

describe('combinators and fields', () => {
  it.each(COMBINATOR_CASES)('%s with %j → %s', (condition, request, matches) => {
    const set = aPolicySet({ 'p.yaml': rulesFile(aRule('r', 'auto_deny', condition)) });
    expect(evaluatePolicy(set, aRequest(request), NOW).decision).toBe(
      matches ? 'auto_deny' : 'route_to_human',
    );
  });
});
