/** `main` in-process against the real server: what the log shows while a request collects votes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionInputs } from '../../action/inputs.js';
import { main } from '../../action/main.js';
import { readRunContext } from '../../action/run-context.js';
import { AgentGateClient } from '../../sdk/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { runEnv } from './run-action.js';

const POLICIES = {
  'main.yaml': `
rules:
  - name: two-keys
    if: { action: "vault.open" }
    decision: route_to_human
    route: { approvers: { users: [alice, bob] }, count: 2, via: issue, timeout: 2h }
defaults:
  decision: route_to_human
  route: { approvers: { permission: write }, count: 1, via: issue }
`,
};

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ policies: POLICIES });
});
afterAll(() => t.close());

const inputs = (overrides: Partial<ActionInputs> = {}): ActionInputs => ({
  serverUrl: t.url,
  action: 'vault.open',
  params: { vault: 'prod' },
  context: {},
  urgency: undefined,
  timeout: undefined,
  apiKey: undefined,
  wait: true,
  failOnDenied: true,
  idempotencyKey: undefined,
  audience: undefined,
  githubToken: undefined,
  ...overrides,
});

describe('main', () => {
  it('prints who can approve, then progress lines as approvals arrive, until approved', async () => {
    const lines: string[] = [];
    const states: Array<{ requestId: string; waiting: boolean }> = [];
    const logged = (pattern: RegExp) =>
      expect.poll(() => lines.some((line) => pattern.test(line)), { timeout: 5000 }).toBe(true);
    const done = main({
      client: new AgentGateClient({ baseUrl: t.url, apiKey: t.adminKey }),
      inputs: inputs(),
      run: readRunContext(runEnv()),
      log: { info: (line) => lines.push(line), warning: (line) => lines.push(`warning: ${line}`) },
      onState: (state) => states.push(state),
      progressEveryMs: 1000,
    });

    await logged(/^ {2}- 2 approvals from alice or bob \(rule two-keys\)$/);
    const id = states[0]?.requestId as string;
    expect(states[0]).toEqual({ requestId: id, waiting: true });
    expect(lines).toContain('Who can approve:');

    const ballot = {
      decision: 'approve' as const,
      reason: null,
      source: 'github:comment',
      qualifiesFor: ['two-keys'],
    };
    await t.server.votes.castVote(id, { ...ballot, voter: 'github:alice' });
    await logged(/^Still waiting for a decision on req_\S+ \(\d+s\): 1 of 2 approvals; expires in 1h 59m\.$/);
    await t.server.votes.castVote(id, { ...ballot, voter: 'github:bob', reason: 'both keys turned' });

    const result = await done;
    expect(result.failure).toBeNull();
    expect(result.request).toMatchObject({
      status: 'approved',
      decidedBy: 'github:bob',
      decisionReason: 'both keys turned',
    });
    expect(lines.at(-1)).toBe(`Request ${id} was approved by github:bob: both keys turned.`);
    expect(states.at(-1)).toEqual({ requestId: id, waiting: false });
  });

  it('stops waiting and cancels the request when the signal aborts (workflow cancelled)', async () => {
    const cancelled = new AbortController();
    const lines: string[] = [];
    const done = main({
      client: new AgentGateClient({ baseUrl: t.url, apiKey: t.adminKey }),
      inputs: inputs({ params: { vault: 'staging' } }),
      run: readRunContext(runEnv()),
      log: { info: (line) => lines.push(line), warning: (line) => lines.push(line) },
      signal: cancelled.signal,
    });
    await expect.poll(() => lines.some((l) => l.startsWith('It expires at'))).toBe(true);
    cancelled.abort('SIGINT');
    const result = await done;
    expect(result.request.status).toBe('cancelled');
    expect(result.failure).toMatch(/workflow run was cancelled/);
    expect(lines).toContain(
      `The workflow run was cancelled (SIGINT): cancelling request ${result.request.id}.`,
    );
  });
});
