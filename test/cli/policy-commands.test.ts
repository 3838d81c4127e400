/** `agentgate policy check|test|explain`, run as a real process against directories on disk. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEvaluation } from '../../sdk/schemas.js';
import { runCli } from '../helpers/run-cli.js';

let root: string;

function aDir(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

const GOOD = {
  'payments.yaml': `rules:
  - name: big-payments
    if:
      action: "payments.*"
      params.amount: { gt: 1000 }
    decision: route_to_human
    route: { approvers: { teams: [acme/finance] }, count: 2, timeout: 4h }
  - name: never-drop-prod
    if: { action: "db.drop*", params.database: prod }
    decision: auto_deny
    reason: Agents never drop production databases
`,
  'tests/payments.yaml': `cases:
  - name: big payment routed
    request: { action: payments.send, params: { amount: 5000 } }
    expect: route_to_human
    rules: [big-payments]
  - name: drop denied
    request: { action: db.drop_table, params: { database: prod } }
    expect: auto_deny
`,
  'notes.txt': 'not a policy',
  'nested/ignored.yaml': 'this: [is, not, read',
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'agentgate-policy-cli-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('agentgate policy check', () => {
  it('reports a clean directory and exits 0', async () => {
    const dir = aDir('good', GOOD);
    const run = await runCli(['policy', 'check', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^${dir}: 2 rules in 1 file, 0 errors, 0 warnings \\(sha256:[0-9a-f]{64}\\)\\n$`),
    );
  });

  it('prints file:line:col for each problem, relative to the directory as given, and exits 1', async () => {
    aDir('bad', {
      'a.yaml': 'rules:\n  - name: r\n    if: { params.amount: { gtt: 5 } }\n    decision: auto_deny\n',
      'b.yml': 'rules:\n  - name: s\n    if:\n      action: "db.*\n',
    });
    const run = await runCli(['policy', 'check', 'bad'], { cwd: root });
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')).toEqual([
      'bad/a.yaml:3:28: error: rule "r": unknown operator "gtt" in if.params.amount; operators are eq, ne, in, not_in, gt, gte, lt, lte, matches, glob, starts_with, ends_with, contains, exists',
      'bad/b.yml:4:15: error: this "quoted string is never closed',
      'bad: 2 errors, 0 warnings',
      '',
    ]);
  });

  it('exits 0 when there are only warnings', async () => {
    const dir = aDir('warn', {
      'p.yaml': `rules:
  - name: no-db
    if: { action: "db.*" }
    decision: auto_deny
  - name: db-reads
    if: { action: db.read }
    decision: auto_approve
`,
    });
    const run = await runCli(['policy', 'check', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${join(dir, 'p.yaml')}:5:11: warning: rule "db-reads": never applies`);
  });

  it('defaults to ./policies', async () => {
    const run = await runCli(['policy', 'check'], { cwd: join(root, 'good', '..', 'good', '..') });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('agentgate: policy directory "./policies" does not exist\n');
    aDir('home/policies', GOOD);
    const found = await runCli(['policy', 'check'], { cwd: join(root, 'home') });
    expect(found.stdout).toMatch(/^\.\/policies: 2 rules in 1 file/);
  });

  it('treats a directory without yaml files as a set with no policy files', async () => {
    const dir = aDir('empty', { 'README.md': '# nothing' });
    const run = await runCli(['policy', 'check', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('0 rules in 0 files');
  });
});

describe('agentgate policy test', () => {
  it('prints one line per case, then the totals', async () => {
    const dir = aDir('tested', GOOD);
    const run = await runCli(['policy', 'test', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      `pass  ${join(dir, 'tests/payments.yaml')}:2  big payment routed`,
      `pass  ${join(dir, 'tests/payments.yaml')}:6  drop denied`,
      '2 passed, 0 failed',
      '',
    ]);
  });

  it('shows the difference for a failing case and exits 1', async () => {
    const dir = aDir('failing', {
      ...GOOD,
      'tests/more.yaml': `cases:
  - name: small payment approved
    request: { action: payments.send, params: { amount: 10 } }
    expect: auto_approve
`,
    });
    const run = await runCli(['policy', 'test', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `FAIL  ${join(dir, 'tests/more.yaml')}:2  small payment approved: expected auto_approve, got route_to_human (No rule matched; needs 1 approval from anyone with write permission)`,
    );
    expect(run.stdout).toContain('2 passed, 1 failed\n');
  });

  it('fails when the policies themselves have errors', async () => {
    const dir = aDir('broken-for-test', { 'p.yaml': 'rules: {}\n' });
    const run = await runCli(['policy', 'test', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${join(dir, 'p.yaml')}:1:8: error: rules is a list of rules`);
    expect(run.stderr).toContain('have errors');
  });
});

describe('agentgate policy explain', () => {
  it('prints the evaluation object with --json', async () => {
    const dir = aDir('explain', GOOD);
    const request = JSON.stringify({
      action: 'payments.send',
      params: { amount: 5000, action: 'read_file' },
    });
    const run = await runCli(['policy', 'explain', dir, '--request', request, '--json']);
    expect(run.code).toBe(0);
    const evaluation = JSON.parse(run.stdout) as PolicyEvaluation;
    expect(evaluation).toMatchObject({
      decision: 'route_to_human',
      rules: ['big-payments'],
      requirements: [
        {
          rule: 'big-payments',
          approvers: { teams: ['acme/finance'] },
          count: 2,
          via: 'issue',
          timeout: '4h',
          notify: null,
        },
      ],
    });
    expect(evaluation.reason).toBe(
      'Needs human approval: "big-payments" needs 2 approvals from team acme/finance',
    );
    expect(evaluation.conditions.map((c) => [c.rule, c.matched])).toEqual([
      ['big-payments', true],
      ['never-drop-prod', false],
    ]);
  });

  it('reads the request from a file and explains in words', async () => {
    const dir = aDir('explain-file', GOOD);
    const file = join(root, 'request.json');
    writeFileSync(file, JSON.stringify({ action: 'db.drop_table', params: { database: 'prod' } }));
    const run = await runCli(['policy', 'explain', dir, '--request-file', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('decision: auto_deny\nreason:   Agents never drop production databases\n');
    expect(run.stdout).toContain('yes  if.params.database: params.database is "prod", which equals "prod"');
  });

  it('with no policy files needs one approval from someone with write permission', async () => {
    const dir = aDir('explain-empty', {});
    const run = await runCli(['policy', 'explain', dir, '--json', '--request', '{"action":"read_file"}']);
    const evaluation = JSON.parse(run.stdout) as PolicyEvaluation;
    expect(evaluation.requirements).toEqual([
      {
        rule: 'default',
        approvers: { permission: 'write' },
        count: 1,
        via: 'issue',
        timeout: null,
        notify: null,
        allowRequester: false,
      },
    ]);
  });

  it.each([
    [['--request', '{not json'], /--request is not valid JSON/],
    [['--request', '{"params":{}}'], /--request is not a valid request: action: /],
    [['--request', '{"action":"x","urgency":"urgent"}'], /urgency: /],
    [[], /give the request with either --request/],
  ])('refuses a bad request (%j) with one line and exit 1', async (args, message) => {
    const dir = aDir('explain-bad', GOOD);
    const run = await runCli(['policy', 'explain', dir, ...args]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('--help', () => {
  it.each([
    [['policy', '--help'], /check \[dir\]\s+validate every/],
    [['policy', 'check', '--help'], /Usage: agentgate policy check \[options\] \[dir\]/],
    [['policy', 'test', '--help'], /N passed, M failed/],
    [['policy', 'explain', '--help'], /--request-file <file>/],
  ])('%j explains the command', async (args, text) => {
    const run = await runCli(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(text);
  });
});
