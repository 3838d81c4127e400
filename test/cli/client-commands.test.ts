import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProgress, formatRequestTable } from '../../app/cli/format.js';
import { AgentGateClient, type ApprovalRequest } from '../../sdk/index.js';
import { type CliBridge, startCliBridge } from '../helpers/cli-bridge.js';
import { runCli } from '../helpers/run-cli.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ROOT = join(import.meta.dirname, '../..');
const POLICIES = {
  'main.yaml': `
rules:
  - name: reads-are-safe
    if: { action: "read_*" }
    decision: auto_approve
  - name: never-drop
    if: { action: "db.drop*" }
    decision: auto_deny
    reason: Agents never drop tables
  - name: finance-decides
    if: { action: "payments.*" }
    decision: route_to_human
    route: { approvers: { teams: [acme/finance] }, count: 2 }
    overrides: false
`,
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let server: TestServer;
let admin: AgentGateClient;
/** Creates requests: the credentials that created a request can never decide it. */
let agent: AgentGateClient;
let agentKey: string;
let tmp: string;

beforeAll(async () => {
  server = await startTestServer({ policies: POLICIES, sweepIntervalMs: 200 });
  admin = new AgentGateClient({ baseUrl: server.url, apiKey: server.adminKey });
  agentKey = (await admin.createApiKey({ name: 'cli-agent', scopes: ['request:create', 'request:read'] }))
    .key;
  agent = new AgentGateClient({ baseUrl: server.url, apiKey: agentKey });
  tmp = mkdtempSync(join(tmpdir(), 'agentgate-cli-'));
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs `agentgate <args>` in-process, against the test server unless `env` says otherwise. */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return runCli(args, {
    env: {
      AGENTGATE_URL: server.url,
      AGENTGATE_API_KEY: server.adminKey,
      AGENTGATE_CONFIG: join(tmp, 'unused', 'config.json'),
      ...env,
    },
  });
}

const unique = (prefix: string) => `${prefix}.${Date.now()}${Math.floor(Math.random() * 1000)}`;

async function pendingRequest(
  action = unique('deploy'),
  timeout: number | string = '1h',
): Promise<ApprovalRequest> {
  return agent.request({ action, timeout });
}

async function waitUntilPending(action: string): Promise<ApprovalRequest> {
  for (let i = 0; i < 200; i++) {
    const [request] = (await admin.listRequests({ action, status: 'pending' })).requests;
    if (request) return request;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no pending ${action}`);
}

const noStack = (run: Run) => expect(run.stderr).not.toMatch(/\n\s+at /);

describe.concurrent('agentgate request', () => {
  it('creates a request from --params, --context, --urgency and --timeout', async () => {
    const action = unique('deploy');
    const run = await cli([
      'request',
      action,
      '--params',
      '{"env":"production","version":"1.4.2"}',
      '--context',
      '{"task":"release"}',
      '--urgency',
      'high',
      '--timeout',
      '30m',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const request = JSON.parse(run.stdout) as ApprovalRequest;
    expect(request).toMatchObject({
      action,
      status: 'pending',
      urgency: 'high',
      params: { env: 'production', version: '1.4.2' },
      context: { task: 'release' },
    });
    expect(Date.parse(request.expiresAt) - Date.parse(request.createdAt)).toBe(30 * 60 * 1000);
    expect((await admin.getRequest(request.id)).status).toBe('pending');
  });

  it('prints a readable summary by default', async () => {
    const run = await cli(['request', unique('deploy'), '--params', '{"env":"staging"}']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^id:\s+req_/m);
    expect(run.stdout).toMatch(/^status:\s+pending$/m);
    expect(run.stdout).toContain('{"env":"staging"}');
  });

  it('exits 2 when a policy denies at once, 0 when it approves', async () => {
    const denied = await cli(['request', 'db.drop_table', '--params', '{"table":"users"}']);
    expect(denied.code).toBe(2);
    expect(denied.stdout).toContain('Agents never drop tables');
    const approved = await cli(['request', 'read_file', '--json']);
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ status: 'approved', decidedBy: 'policy' });
  });

  it('returns the same request for the same --idempotency-key', async () => {
    const key = unique('job');
    const first = await cli(['request', 'deploy', '--idempotency-key', key, '--json']);
    const second = await cli(['request', 'deploy', '--idempotency-key', key, '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(second.stdout).id).toBe(JSON.parse(first.stdout).id);
  });

  it('refuses --params that is not a JSON object, and bad input the server rejects', async () => {
    const notObject = await cli(['request', 'deploy', '--params', '[1,2]']);
    expect(notObject.code).toBe(1);
    expect(notObject.stderr).toContain('--params must be a JSON object');
    const badJson = await cli(['request', 'deploy', '--params', '{to:']);
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toContain('--params must be JSON');
    const badAction = await cli(['request', 'has spaces']);
    expect(badAction.code).toBe(1);
    expect(badAction.stderr).toMatch(/^agentgate: .*action/m);
    noStack(badAction);
  });

  it('--wait waits for the decision and exits by its outcome', async () => {
    const action = unique('deploy');
    const running = cli(['request', action, '--wait', '20s', '--json'], { AGENTGATE_API_KEY: agentKey });
    const pending = await waitUntilPending(action);
    await admin.decide(pending.id, 'approved', { reason: 'go' });
    const run = await running;
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      id: pending.id,
      status: 'approved',
      decisionReason: 'go',
    });
  });

  it('--wait with a time limit exits 4 while still pending', async () => {
    const run = await cli(['request', unique('deploy'), '--wait', '1s']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/still pending/);
  });
});

describe.concurrent('agentgate status, list, audit', () => {
  it('status shows one request; --json prints it raw', async () => {
    const request = await pendingRequest();
    const text = await cli(['status', request.id]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(request.id);
    expect(text.stdout).toMatch(/^action:\s+deploy\./m);
    expect(text.stdout).toMatch(/^expires:.*\(in (59m|1h)\)$/m);
    const json = await cli(['status', request.id, '--json']);
    expect(JSON.parse(json.stdout)).toEqual(request);
  });

  it('status of an unknown id exits 1 with "not found" and no stack trace', async () => {
    const run = await cli(['status', 'req_does_not_exist']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('not found');
    expect(run.stdout).toBe('');
    noStack(run);
  });

  it('list filters and paginates, as a table or as JSON', async () => {
    const action = unique('list');
    const a = await pendingRequest(action);
    const b = await pendingRequest(action);
    const json = await cli(['list', '--action', action, '--json']);
    expect(json.code).toBe(0);
    const page = JSON.parse(json.stdout);
    expect(page.requests.map((r: ApprovalRequest) => r.id).sort()).toEqual([a.id, b.id].sort());
    expect(page.pagination).toMatchObject({ total: 2, hasMore: false });

    const table = await cli(['list', '--action', action, '--status', 'pending', '--limit', '1']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+STATUS\s+ACTION/m);
    expect(table.stdout).toContain('1–1 of 2 (more with --offset)');

    const bad = await cli(['list', '--limit', 'ten']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--limit must be a whole number');
    const badStatus = await cli(['list', '--status', 'maybe']);
    expect(badStatus.code).toBe(1);
  });

  it('audit <id> shows the trail oldest first', async () => {
    const request = await pendingRequest();
    await admin.decide(request.id, 'denied', { reason: 'not today' });
    const text = await cli(['audit', request.id]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^TIME\s+EVENT\s+ACTOR/m);
    expect(text.stdout.indexOf('created')).toBeLessThan(text.stdout.indexOf('denied'));
    const json = await cli(['audit', request.id, '--json']);
    const events = JSON.parse(json.stdout).map((e: { eventType: string }) => e.eventType);
    expect(events[0]).toBe('created');
    expect(events).toContain('denied');
  });

  it('fails with a clear line when the server cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const run = await cli(['list'], { AGENTGATE_URL: `http://127.0.0.1:${port}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(`^agentgate: cannot reach the AgentGate server at http://127.0.0.1:${port}`),
    );
    noStack(run);
  });
});

describe.concurrent('agentgate wait', () => {
  it('exits 0 when approved', async () => {
    const request = await pendingRequest();
    const running = cli(['wait', request.id]);
    await admin.decide(request.id, 'approved', { reason: 'fine' });
    const run = await running;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^${request.id} approved by api:admin \\(operator override\\): fine$`, 'm'),
    );
  });

  it('exits 2 when denied, printing who and why', async () => {
    const request = await pendingRequest();
    const running = cli(['wait', request.id, '--json']);
    await admin.decide(request.id, 'denied', { reason: 'too risky' });
    const run = await running;
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'denied', decisionReason: 'too risky' });
  });

  it('exits 3 when the request expires while waiting, without --timeout', async () => {
    const request = await pendingRequest(unique('deploy'), 1);
    const run = await cli(['wait', request.id]);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('expired by system:expiry');
  });

  it('exits 3 when cancelled', async () => {
    const request = await pendingRequest();
    await admin.cancel(request.id, { reason: 'abandoned' });
    const run = await cli(['wait', request.id]);
    expect(run.code).toBe(3);
  });

  it('exits 4 when --timeout runs out first, and 1 for an unknown id', async () => {
    const request = await pendingRequest();
    const run = await cli(['wait', request.id, '--timeout', '1s']);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`${request.id} is still pending; stopped waiting after 1s`);
    const unknown = await cli(['wait', 'req_nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('not found');
  });

  it('documents its exit codes in --help', async () => {
    const run = await cli(['wait', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /Exit codes:[\s\S]*0\s+approved[\s\S]*2\s+denied[\s\S]*3\s+expired or cancelled/,
    );
  });
});

describe.concurrent('agentgate approve, deny, cancel', () => {
  it('approve decides with a reason; a second decision fails with the server’s word', async () => {
    const request = await pendingRequest();
    const run = await cli(['approve', request.id, '--reason', 'looks good']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${request.id} approved by api:admin (operator override): looks good`);
    const status = await cli(['status', request.id]);
    expect(status.stdout).toMatch(/^decided by: +api:admin \(operator override\)$/m);
    expect(status.stdout).toMatch(
      /^approvals: +0 of 1 approval \(skipped by an operator override through the AgentGate API\)$/m,
    );
    const list = await cli(['list', '--action', request.action]);
    expect(list.stdout).toContain('api:admin (operator override)');
    expect(await admin.getRequest(request.id)).toMatchObject({
      status: 'approved',
      decisionReason: 'looks good',
    });
    const again = await cli(['deny', request.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^agentgate: .*\(conflict\)$/m);
  });

  it('approve on a request whose policy forbids overrides fails with the rule and what to do', async () => {
    const request = await pendingRequest(unique('payments'));
    const run = await cli(['approve', request.id]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^agentgate: Request \S+ cannot be decided with an API key: rule "finance-decides" .* forbids operator overrides\. Review it on GitHub instead.*\(override_forbidden\)$/m,
    );
    noStack(run);
    expect((await admin.getRequest(request.id)).status).toBe('pending');
    // Cancelling is not an override.
    expect((await cli(['cancel', request.id])).code).toBe(0);
  });

  it('deny --json prints the decided request', async () => {
    const request = await pendingRequest();
    const run = await cli(['deny', request.id, '--reason', 'no', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ id: request.id, status: 'denied', decisionReason: 'no' });
  });

  it('cancel cancels; unknown ids are not found', async () => {
    const request = await pendingRequest();
    const run = await cli(['cancel', request.id, '--reason', 'changed my mind']);
    expect(run.code).toBe(0);
    expect((await admin.getRequest(request.id)).status).toBe('cancelled');
    const unknown = await cli(['approve', 'req_nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('request req_nope not found');
  });
});

describe('agentgate config', () => {
  it('writes the file with mode 0600 in a 0700 directory, and commands use it', async () => {
    const path = join(tmp, 'home', '.agentgate', 'config.json');
    const env = { AGENTGATE_CONFIG: path, AGENTGATE_URL: undefined, AGENTGATE_API_KEY: undefined };
    expect((await cli(['config', 'set', 'url', `${server.url}/`], env)).code).toBe(0);
    const setKey = await cli(['config', 'set', 'api-key', server.adminKey], env);
    expect(setKey.code).toBe(0);
    expect(setKey.stdout).not.toContain(server.adminKey);

    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(tmp, 'home', '.agentgate')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ url: server.url, apiKey: server.adminKey });

    const request = await pendingRequest();
    const status = await cli(['status', request.id, '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).id).toBe(request.id);

    const shown = await cli(['config', 'show'], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(server.url);
    expect(shown.stdout).not.toContain(server.adminKey);
    expect(shown.stdout).toContain(server.adminKey.slice(0, 8));
    expect(shown.stdout).toContain('from the config file');
  });

  it('lets AGENTGATE_URL and AGENTGATE_API_KEY override the file', async () => {
    const path = join(tmp, 'override', 'config.json');
    await cli(['config', 'set', 'url', 'http://file.example:3000'], { AGENTGATE_CONFIG: path });
    const run = await cli(['config', 'show', '--json'], {
      AGENTGATE_CONFIG: path,
      AGENTGATE_URL: 'http://env.example:4000',
      AGENTGATE_API_KEY: 'agk_from_the_environment_0000000000000',
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      url: 'http://env.example:4000',
      apiKey: 'agk_from…0000',
      path,
      sources: { url: 'env', apiKey: 'env' },
    });
  });

  it('refuses unknown settings and URLs that are not http(s)', async () => {
    const env = { AGENTGATE_CONFIG: join(tmp, 'bad', 'config.json') };
    const unknown = await cli(['config', 'set', 'colour', 'blue'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown setting "colour"');
    const ftp = await cli(['config', 'set', 'url', 'ftp://example.com'], env);
    expect(ftp.code).toBe(1);
    expect(ftp.stderr).toContain('http:// or https://');
  });
});

describe('formatting', () => {
  const request = {
    id: 'req_abc',
    status: 'pending',
    action: 'payments.send',
    urgency: 'normal',
    createdAt: '2025-01-01T00:00:00.000Z',
    expiresAt: '2025-01-01T00:30:00.000Z',
    decidedBy: null,
    review: {
      via: 'issue',
      url: null,
      votes: [],
      requirements: [
        { rule: 'finance', count: 2, approvedBy: ['github:alice'] },
        { rule: 'security', count: 1, approvedBy: [] },
      ],
    },
  } as unknown as ApprovalRequest;

  it('renders the waiting line with approvals and the expiry countdown', () => {
    expect(formatProgress(request, new Date('2025-01-01T00:07:00.000Z'))).toBe(
      'waiting for req_abc (pending, 1 of 3 approvals, expires in 23m)',
    );
  });

  it('renders a list page with its position', () => {
    const text = formatRequestTable([request], { total: 7, limit: 1, offset: 3, hasMore: true });
    expect(text.split('\n')[0]).toMatch(/^ID\s+STATUS\s+ACTION\s+URGENCY\s+CREATED\s+DECIDED BY$/);
    expect(text).toContain('4–4 of 7 (more with --offset)');
  });
});

describe('waiting on a terminal', () => {
  it('shows a progress line when stdout is a TTY, and clears it when done', async () => {
    const request = await pendingRequest();
    const run = await runCli(['wait', request.id, '--timeout', '1s'], {
      tty: true,
      env: { AGENTGATE_URL: server.url, AGENTGATE_API_KEY: server.adminKey },
    });
    expect(run.code).toBe(4);
    expect(run.stdout).toMatch(
      new RegExp(`waiting for ${request.id} \\(pending, 0 of 1 approval, expires in (59m|1h)\\)`),
    );
    expect(run.stdout.endsWith('\r\x1b[2K')).toBe(true);
  });
});

describe('examples/deploy-gate.sh and examples/review.sh (the CLI examples of docs/cli.md)', () => {
  let bridge: CliBridge;
  beforeAll(async () => {
    bridge = await startCliBridge(mkdtempSync(join(tmp, 'bin-')));
  });
  afterAll(() => bridge.close());

  function runScript(script: string, args: string[], env: Record<string, string>): Promise<Run> {
    const child = spawn('sh', [join(ROOT, 'examples', script), ...args], {
      cwd: tmp,
      env: {
        ...process.env,
        PATH: `${bridge.binDir}:${process.env.PATH}`,
        AGENTGATE_URL: server.url,
        ...env,
      },
    });
    return collect(child);
  }

  function collect(child: ReturnType<typeof spawn>): Promise<Run> {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('runs from a checkout with no agentgate on PATH, as docs/cli.md shows', async () => {
    // Only node's directory and the system's: the script falls back to the checkout's bin/agentgate.js
    // (a real process: the one smoke test of the built CLI here).
    const PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;
    const deploy = collect(
      spawn('sh', ['examples/deploy-gate.sh', '3.0.0'], {
        cwd: ROOT,
        env: { ...process.env, PATH, AGENTGATE_URL: server.url, AGENTGATE_API_KEY: agentKey },
      }),
    );
    const pending = await waitUntilPending('deploy:production');
    expect(pending.params).toEqual({ version: '3.0.0' });
    await admin.decide(pending.id, 'approved', { reason: 'checked' });
    const deployed = await deploy;
    expect(deployed.stderr).toBe('');
    expect(deployed.stdout).toContain('approved: deploying 3.0.0');
    expect(deployed.code).toBe(0);
  });

  it('the deploy waits for the operator, who reviews and approves it', async () => {
    const deploy = runScript('deploy-gate.sh', ['2.0.0'], { AGENTGATE_API_KEY: agentKey });
    const pending = await waitUntilPending('deploy:production');
    expect(pending.params).toEqual({ version: '2.0.0' });

    const review = await runScript('review.sh', [], { AGENTGATE_API_KEY: server.adminKey });
    expect(review.stderr).toBe('');
    expect(review.code).toBe(0);
    expect(review.stdout).toContain(pending.id);
    expect(review.stdout).toMatch(/approved by api:\S+ \(operator override\): release notes checked/);
    expect(review.stdout).toMatch(/^TIME\s+EVENT\s+ACTOR/m);

    const deployed = await deploy;
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain('approved: deploying 2.0.0');
  });

  it('a denied deploy stops the script with exit code 2', async () => {
    const deploy = runScript('deploy-gate.sh', ['2.0.1'], { AGENTGATE_API_KEY: agentKey });
    const pending = await waitUntilPending('deploy:production');
    await admin.decide(pending.id, 'denied', { reason: 'freeze week' });
    const denied = await deploy;
    expect(denied.code).toBe(2);
    expect(denied.stdout).not.toContain('deploying');
    expect(denied.stdout).toContain('freeze week');
  });
});
