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
      `FAIL  ${join(dir, 'tests/more.yaml')}:2  small payment approved: expected auto_approve, got route_to_human (No rule matched; needs 1 approval from anyone with write access or more)`,
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
      'Needs human approval: "big-payments" needs 2 approvals from members of acme/finance',
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

describe('agentgate policy diff', () => {
  /** GOOD with big payments from 1,000 auto-approved up to 10,000: a widening that looks harmless. */
  const WIDER = {
    ...GOOD,
    'payments.yaml': `${GOOD['payments.yaml']}  - name: mid-payments-are-fine
    if:
      action: "payments.*"
      params.amount: { lte: 10000 }
    decision: auto_approve
`.replace('params.amount: { gt: 1000 }', 'params.amount: { gt: 10000 }'),
  };
  const REQUESTS = [
    { id: 'req_a', action: 'payments.send', params: { amount: 2500 } },
    { id: 'req_b', action: 'payments.send', params: { amount: 9000 } },
    { id: 'req_c', action: 'payments.send', params: { amount: 50000 } },
    { id: 'req_d', action: 'db.drop_table', params: { database: 'prod' } },
  ];
  const requestsFile = () => {
    const file = join(root, 'requests.jsonl');
    writeFileSync(file, `${REQUESTS.map((r) => JSON.stringify(r)).join('\n')}\n`);
    return file;
  };

  it('prints the impact on past requests, widening first, with the rules responsible on each side', async () => {
    const base = aDir('diff-base', GOOD);
    const head = aDir('diff-head', WIDER);
    const run = await runCli(['policy', 'diff', base, head, '--requests', requestsFile()]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '!! This change widens what agents may do: 2 requests would now be approved automatically.',
    );
    expect(run.stdout).toContain('2 of 4 decisions change, 2 unchanged.');
    expect(run.stdout).toContain('!! payments.send: route_to_human → auto_approve ×2');
    expect(run.stdout).toContain(
      `was big-payments (${join(base, 'payments.yaml')}:2); now mid-payments-are-fine (${join(head, 'payments.yaml')}:12)`,
    );
    expect(run.stdout).toContain('e.g. req_a {"amount":2500} · req_b {"amount":9000}');
  });

  it('prints the impact as JSON with --json, and reads `agentgate list --json` output', async () => {
    const base = aDir('diff-json-base', GOOD);
    const head = aDir('diff-json-head', WIDER);
    const listed = join(root, 'listed.json');
    writeFileSync(listed, JSON.stringify({ requests: REQUESTS, pagination: { total: 4 } }, null, 2));
    const run = await runCli(['policy', 'diff', base, head, '--requests', listed, '--json']);
    expect(run.code).toBe(0);
    const impact = JSON.parse(run.stdout);
    expect(impact).toMatchObject({ replayed: 4, decisionsChanged: 2, widened: 2, unchanged: 2 });
    expect(impact.decisionChanges[0]).toMatchObject({
      action: 'payments.send',
      from: 'route_to_human',
      to: 'auto_approve',
      count: 2,
      direction: 'widens',
      headRules: [{ name: 'mid-payments-are-fine', file: 'payments.yaml', line: 12 }],
    });
  });

  it("replays the policy tests' requests when no requests are given", async () => {
    const head = aDir('diff-tests-head', WIDER);
    const run = await runCli(['policy', 'diff', aDir('diff-tests-base', GOOD), head]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('on the 2 requests of the policy tests (give past ones with --requests)');
    expect(run.stdout).toContain('payments.send: route_to_human → auto_approve ×1');
    expect(run.stdout).toContain(`${join(head, 'tests/payments.yaml')}: big payment routed`);
  });

  it('exits 1 with the diagnostics when a directory has errors, and names unreadable requests', async () => {
    const base = aDir('diff-bad-base', GOOD);
    const broken = aDir('diff-bad-head', { 'payments.yaml': 'rules:\n  - name: x\n    if: { action: a }\n' });
    const bad = await runCli(['policy', 'diff', base, broken]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${join(broken, 'payments.yaml')}:2:`);
    expect(bad.stderr).toContain(`the policies in ${broken} have errors`);
    const file = join(root, 'bad.jsonl');
    writeFileSync(file, '{"action":"a"}\n{"params":{}}\n');
    const unreadable = await runCli(['policy', 'diff', base, base, '--requests', file]);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain(`${file}: line 2: action: `);
  });
});

describe('--help', () => {
  it.each([
    [['policy', '--help'], /check \[options\] \[dir\]\s+validate every/],
    [['policy', 'check', '--help'], /Usage: agentgate policy check \[options\] \[dir\]/],
    [['policy', 'test', '--help'], /N passed, M failed/],
    [['policy', 'explain', '--help'], /--request-file <file>/],
    [['policy', 'diff', '--help'], /Usage: agentgate policy diff \[options\] <base-dir> <head-dir>/],
  ])('%j explains the command', async (args, text) => {
    const run = await runCli(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(text);
  });
});
