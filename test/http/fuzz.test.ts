/**
 * Issue #13 item 10: property-based fuzzing of every route on a real server (127.0.0.1, real
 * SQLite, GitHub mode against the fake GitHub, Slack and MCP plugged in). Random and adversarial
 * bodies, query strings and headers; whatever arrives, the server answers without a 5xx, every 4xx
 * is `{error, code}` JSON (MCP's may be JSON-RPC errors, as its protocol says), and every request it
 * stored stays readable afterwards.
 *
 * Bounded: a fixed number of runs per property. A failure prints fast-check's seed and path;
 * re-run it with `FUZZ_SEED=<seed> npx vitest run test/http/fuzz.test.ts`.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubIntegration } from '../../app/github/integration.js';
import { createLogger } from '../../app/logger.js';
import { createMcpHttpIntegration } from '../../app/mcp-http/http-integration.js';
import { slackIntegration } from '../../app/slack/integration.js';
import { FakeGitHub } from '../fakes/fake-github.js';
import { quietSlack } from '../fakes/fake-slack.js';
import { commentPayload, example, INSTALLATION_ID, REPO, WEBHOOK_SECRET } from '../github/harness.js';
import { connectTestGitHubApp } from '../helpers/github-app.js';
import { keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const SLACK_SECRET = 'slack-signing-secret-for-fuzz';
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const runs = (numRuns: number) => ({ numRuns, ...(seed !== undefined && { seed }) });

let fake: FakeGitHub;
let t: TestServer;
let agentKey: string;
const ids: string[] = [];

beforeAll(async () => {
  fake = await new FakeGitHub().start();
  fake.addRepo(REPO, { installationId: INSTALLATION_ID });
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const { connection, policies } = connectTestGitHubApp({
    host: fake.host,
    webhookSecret: WEBHOOK_SECRET,
    log,
  });
  t = await startTestServer({
    defaultRepository: REPO,
    policyProvider: () => policies,
    integrations: [
      createGitHubIntegration({ connection, policies, retryBaseMs: 50, reconcileIntervalMs: 0 }),
      slackIntegration({ api: quietSlack, signingSecret: SLACK_SECRET, channel: '#approvals' }),
      createMcpHttpIntegration(),
    ],
  });
  agentKey = (await keyClient(t.url, t.adminKey, 'fuzz-agent', ['request:create'])).key;
  for (const action of ['deploy:one', 'deploy:two']) {
    const res = await call(
      'POST',
      '/api/requests',
      { authorization: `Bearer ${t.adminKey}` },
      JSON.stringify({ action }),
    );
    ids.push(res.body.id);
  }
});
afterAll(async () => {
  await t.close();
  await fake.stop();
});

interface Answer {
  status: number;
  body: any;
  text: string;
}

async function call(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && method !== 'GET' && method !== 'HEAD' && { body }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

function expectWellFormed(answer: Answer, what: string, jsonRpcAllowed = false): void {
  const context = `${what} → ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, context).toBeLessThan(500);
  if (answer.status >= 400) {
    const ours = typeof answer.body?.error === 'string' && typeof answer.body?.code === 'string';
    const jsonRpc =
      jsonRpcAllowed && answer.body?.jsonrpc === '2.0' && typeof answer.body?.error?.message === 'string';
    expect(ours || jsonRpc, context).toBe(true);
  }
}

// ---------------------------------------------------------------------------------------------
// Generators

/** Printable ASCII: what fetch lets a header carry. */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});
const pathSegment = fc.oneof(
  fc.constantFrom('..', '%', '%zz', '%2F', '%00', 'x'.repeat(3000), '__proto__', 'constructor', '😀', ' '),
  fc.webSegment(),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);
const idSegment = fc.oneof(
  fc.constantFrom(...[0, 1].map((i) => () => ids[i] as string)).map((f) => f()),
  pathSegment,
);

/** A body, printed short in a counterexample (a 20,000-level body would flood the report). */
interface Body {
  text: string;
}
const asBody = (text: string): Body =>
  ({
    text,
    [fc.toStringMethod]: () =>
      text.length > 200
        ? `${JSON.stringify(text.slice(0, 120))}… (${text.length} characters)`
        : JSON.stringify(text),
  }) as Body;

/** JSON text that hostile clients send: deep, wide, huge numbers, __proto__, duplicate keys, broken. */
const adversarialText = fc.oneof(
  fc
    .integer({ min: 1, max: 6000 })
    .map((n) => `{"action":"x","params":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`),
  fc
    .integer({ min: 1, max: 3000 })
    .map((n) => `{"action":"x","context":{"l":${'['.repeat(n)}${']'.repeat(n)}}}`),
  fc.constantFrom(
    '{"action":"x","params":{"n":1e400}}',
    '{"action":"x","params":{"n":-1e999}}',
    '{"action":"x","params":{"__proto__":{"isAdmin":true}}}',
    '{"__proto__":{"action":"x"},"action":"y"}',
    '{"action":"x","action":"y"}',
    '{"action":"x","timeout":"0s"}',
    '{"action":"x","timeout":"0m0s"}',
    '{"action":"x","timeout":1e400}',
    '{"action":"x","timeout":"99999999999999999999999d"}',
    '{"action":"x","expiresAt":"9999-12-31T23:59:59Z"}',
    '{"decision":"approved","reason":null}',
    '{"name":"k","scopes":["admin"],"rateLimit":1e400}',
    '{"url":"http://169.254.169.254/latest","events":["request.created"]}',
    '{"url":"http://127.0.0.1:1/","events":["request.created"]}',
    '[]',
    'null',
    '"string"',
    '{',
    '\u0000',
    '\uFEFF{"action":"x"}',
  ),
  fc.json({ maxDepth: 6 }),
  fc.string({ maxLength: 200 }),
  fc
    .record(
      {
        action: fc.oneof(
          fc.constantFrom('deploy:x', 'read_file', 'db.drop_table'),
          fc.string({ maxLength: 30 }),
        ),
        params: fc.oneof(fc.object({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 })),
        context: fc.oneof(fc.object({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 2 })),
        urgency: fc.oneof(fc.constantFrom('low', 'normal', 'high', 'critical'), fc.string({ maxLength: 10 })),
        timeout: fc.oneof(
          fc.integer(),
          fc.constantFrom('30m', '0s', '1h0m', '-1s', '1.5h'),
          fc.string({ maxLength: 8 }),
        ),
        decision: fc.constantFrom('approved', 'denied', 'maybe'),
        reason: fc.string({ maxLength: 50 }),
        name: fc.string({ maxLength: 20 }),
        scopes: fc.array(fc.constantFrom('admin', 'request:create', 'request:read', 'nope'), {
          maxLength: 3,
        }),
        url: fc.webUrl(),
        events: fc.array(fc.constantFrom('request.created', 'request.decided', 'x'), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
);
const adversarialJson = adversarialText.map(asBody);

const queryString = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'status',
            'action',
            'limit',
            'offset',
            'urgency',
            'requestId',
            'since',
            '__proto__',
            'a[b]',
            'deep',
          ),
          fc.string({ maxLength: 10 }),
        ),
        fc.oneof(
          fc.constantFrom('pending', '1', '0', '-1', '1e3', '100', '101', '', '%', '9'.repeat(40)),
          fc.string({ maxLength: 20 }),
        ),
      ),
      { maxLength: 4 },
    )
    .map(
      (pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`,
    ),
  fc.constantFrom('?limit=1&limit=2', '?a[b][c]=1', '?%', '?=&=&', '?status[]=pending'),
);

/** Queries for the long-poll that never wait: it must answer at once, or refuse. */
const waitQuery = fc.oneof(
  fc.constant('?timeout=0'),
  fc.constantFrom(
    '?timeout=0&timeout=2',
    '?timeout=abc',
    '?timeout=61',
    '?timeout=-1',
    '?timeout=0&x=1',
    '?timeout=1e1',
    '?__proto__=0',
  ),
);

const authorization = fc.oneof(
  fc.constant(() => `Bearer ${t.adminKey}`),
  fc.constant(() => `Bearer ${agentKey}`),
  fc
    .constantFrom(
      '',
      'Bearer',
      'Bearer agk_',
      'Basic YWRtaW46YWRtaW4=',
      'bearer   x',
      `Bearer ${'a'.repeat(5000)}`,
    )
    .map((v) => () => v),
  headerText.map((v) => () => `Bearer ${v}`),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
);

const ROUTES: Array<[method: string, path: (id: string) => string]> = [
  ['GET', () => '/health'],
  ['GET', () => '/metrics'],
  ['GET', () => '/api/requests'],
  ['POST', () => '/api/requests'],
  ['GET', (id) => `/api/requests/${id}`],
  ['POST', (id) => `/api/requests/${id}/decide`],
  ['POST', (id) => `/api/requests/${id}/cancel`],
  ['GET', (id) => `/api/requests/${id}/audit`],
  ['GET', () => '/api/audit'],
  ['GET', () => '/api/policies'],
  ['POST', () => '/api/policies/evaluate'],
  ['GET', () => '/api/api-keys'],
  ['POST', () => '/api/keys'],
  ['DELETE', (id) => `/api/api-keys/${id}`],
  ['GET', () => '/api/webhooks'],
  ['POST', () => '/api/webhooks'],
  ['DELETE', (id) => `/api/webhooks/${id}`],
  ['PATCH', (id) => `/api/requests/${id}`],
  ['PUT', () => '/api/requests'],
  ['GET', (id) => `/api/${id}`],
];

// ---------------------------------------------------------------------------------------------

describe('fuzzing every route', () => {
  it('the REST API: no 5xx, {error, code} on every 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        idSegment,
        queryString,
        authorization,
        contentType,
        fc.option(adversarialJson, { nil: undefined }),
        fc.option(headerText, { nil: undefined }),
        async ([method, path], id, query, auth, type, body, idempotencyKey) => {
          const headers: Record<string, string> = { 'content-type': type };
          const bearer = auth();
          if (bearer) headers.authorization = bearer;
          if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
          const url = `${path(id)}${query}`;
          expectWellFormed(
            await call(method, url, headers, method === 'GET' ? undefined : body?.text),
            `${method} ${url.slice(0, 200)}`,
          );
        },
      ),
      runs(150),
    );
  });

  it('creating requests from hostile bodies: refused with 4xx or stored readable, never a 5xx', async () => {
    const deep = fc.oneof(fc.integer({ min: 30, max: 40 }), fc.integer({ min: 4000, max: 20_000 }));
    const body = fc.oneof(
      deep.map((n) => asBody(`{"action":"deploy:deep","params":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`)),
      deep.map((n) => asBody(`{"action":"deploy:deep","context":{"l":${'['.repeat(n)}${']'.repeat(n)}}}`)),
      adversarialJson,
    );
    await fc.assert(
      fc.asyncProperty(body, fc.option(headerText, { nil: undefined }), async ({ text: json }, key) => {
        const headers: Record<string, string> = { authorization: `Bearer ${agentKey}` };
        if (key !== undefined) headers['idempotency-key'] = key;
        const answer = await call('POST', '/api/requests', headers, json);
        expectWellFormed(answer, `POST /api/requests ${json.slice(0, 200)}`);
        if (answer.status === 201) {
          const read = await call('GET', `/api/requests/${answer.body.id}`, {
            authorization: `Bearer ${t.adminKey}`,
          });
          expect(read.status, read.text.slice(0, 200)).toBe(200);
          expect(read.body.params).toEqual(answer.body.params);
        }
      }),
      runs(60),
    );
  });

  it('the long-poll: answers at once or refuses, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(idSegment, waitQuery, authorization, async (id, query, auth) => {
        const url = `/api/requests/${id}/wait${query}`;
        expectWellFormed(await call('GET', url, { authorization: auth() }), `GET ${url.slice(0, 200)}`);
      }),
      runs(40),
    );
  });

  it('MCP over HTTP: no 5xx; 4xx are ours or JSON-RPC errors', async () => {
    const message = fc.oneof(
      adversarialJson,
      fc
        .record({
          jsonrpc: fc.oneof(fc.constant('2.0'), fc.string({ maxLength: 4 })),
          id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null)),
          method: fc.oneof(
            fc.constantFrom('initialize', 'tools/list', 'tools/call', 'ping', 'resources/list'),
            fc.string({ maxLength: 12 }),
          ),
          params: fc.oneof(
            fc.record({
              name: fc.constantFrom('check_request', 'list_requests', 'explain_policy', 'nope'),
              arguments: fc.oneof(
                fc.object({ maxDepth: 3 }),
                fc.record({ id: idSegment }),
                fc.record({ action: fc.string({ maxLength: 10 }) }),
              ),
            }),
            fc.jsonValue({ maxDepth: 3 }),
          ),
        })
        .map((m) => asBody(JSON.stringify(m))),
    );
    await fc.assert(
      fc.asyncProperty(message, authorization, contentType, async ({ text: body }, auth, type) => {
        const answer = await call(
          'POST',
          '/mcp',
          { authorization: auth(), 'content-type': type, accept: 'application/json, text/event-stream' },
          body,
        );
        expectWellFormed(answer, `POST /mcp ${body.slice(0, 200)}`, true);
      }),
      runs(40),
    );
  });

  it('Slack interactions: forged, stale and signed-but-odd clicks never give a 5xx', async () => {
    const payload = fc.oneof(
      fc.string({ maxLength: 100 }),
      fc
        .record({
          type: fc.constantFrom('block_actions', 'view_submission', 'x'),
          user: fc.oneof(fc.record({ id: fc.string({ maxLength: 12 }) }), fc.jsonValue({ maxDepth: 2 })),
          channel: fc.option(fc.record({ id: fc.string({ maxLength: 12 }) }), { nil: undefined }),
          actions: fc.oneof(
            fc.array(
              fc.record({
                action_id: fc.constantFrom('agentgate_approve', 'agentgate_deny', 'x'),
                value: fc.oneof(idSegment, fc.string({ maxLength: 20 })),
              }),
              { maxLength: 2 },
            ),
            fc.jsonValue({ maxDepth: 2 }),
          ),
        })
        .map((p) => JSON.stringify(p)),
    );
    await fc.assert(
      fc.asyncProperty(
        payload,
        fc.constantFrom('signed', 'forged', 'stale', 'none'),
        async (json, signing) => {
          const body = `payload=${encodeURIComponent(json)}`;
          const now = Math.floor(Date.now() / 1000);
          const ts = String(signing === 'stale' ? now - 3600 : now);
          const secret = signing === 'forged' ? 'wrong-secret' : SLACK_SECRET;
          const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
          const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
          if (signing !== 'none')
            Object.assign(headers, { 'x-slack-request-timestamp': ts, 'x-slack-signature': signature });
          expectWellFormed(
            await call('POST', '/api/slack/interactions', headers, body),
            `slack ${signing} ${json.slice(0, 200)}`,
          );
        },
      ),
      runs(40),
    );
  });

  it('GitHub webhooks: unsigned junk and signed mutations of real payloads never give a 5xx', async () => {
    const bases: Array<[string, () => any]> = [
      [
        'issue_comment',
        () =>
          commentPayload(REPO, 1, {
            id: 1,
            body: '/approve',
            created_at: 'x',
            updated_at: 'x',
            user: { login: 'a', type: 'User' },
          } as never),
      ],
      ['issues', () => ({ ...example('issues'), action: 'closed' })],
      ['check_run', () => example('check_run', (e) => e.action === 'requested_action')],
      ['check_run', () => example('check_run', (e) => e.action === 'rerequested')],
      ['pull_request_review', () => example('pull_request_review', (e) => e.action === 'submitted')],
      ['pull_request_review', () => example('pull_request_review', (e) => e.action === 'dismissed')],
      ['push', () => example('push', (e) => e.ref === 'refs/heads/master')],
      ['pull_request', () => example('pull_request', (e) => e.action === 'opened')],
      ['installation', () => example('installation')],
    ];
    /** Replaces or deletes a random top-level or second-level field. */
    const mutation = fc.record({
      base: fc.nat({ max: bases.length - 1 }),
      edits: fc.array(
        fc.record({
          at: fc.nat(),
          inner: fc.option(fc.nat(), { nil: undefined }),
          value: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
        }),
        { maxLength: 3 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          mutation.map(({ base, edits }) => {
            const [event, build] = bases[base] as [string, () => any];
            const payload = build();
            for (const { at, inner, value } of edits) {
              const keys = Object.keys(payload);
              const key = keys[at % keys.length] as string;
              const target =
                inner !== undefined && payload[key] && typeof payload[key] === 'object'
                  ? payload[key]
                  : payload;
              const targetKeys = Object.keys(target);
              const name =
                target === payload ? key : (targetKeys[(inner ?? 0) % Math.max(1, targetKeys.length)] ?? 'x');
              if (value === undefined) delete target[name];
              else target[name] = value;
            }
            return { event, body: asBody(JSON.stringify(payload)), signed: true };
          }),
          fc.record({
            event: fc.oneof(
              fc.constantFrom('issue_comment', 'push', 'ping', 'star'),
              fc.string({ maxLength: 20 }),
            ),
            body: adversarialJson,
            signed: fc.boolean(),
          }),
        ),
        fc.uuid(),
        async ({ event, body: { text: body }, signed }, delivery) => {
          const signature = signed
            ? `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`
            : `sha256=${'0'.repeat(64)}`;
          const answer = await call(
            'POST',
            '/api/github/webhooks',
            { 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': signature },
            body,
          );
          // Probot's own success answer is text ("ok"); refusals are ours.
          expectWellFormed(
            answer,
            `webhook ${event} ${signed ? 'signed' : 'unsigned'} ${body.slice(0, 200)}`,
          );
        },
      ),
      runs(60),
    );
  });

  it('afterwards, every stored request is readable: the whole list and each one', async () => {
    const admin = { authorization: `Bearer ${t.adminKey}` };
    const seen: string[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await call('GET', `/api/requests?limit=100&offset=${offset}`, admin);
      expect(page.status, page.text.slice(0, 300)).toBe(200);
      seen.push(...page.body.requests.map((r: { id: string }) => r.id));
      if (!page.body.pagination.hasMore) break;
    }
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const id of seen) {
      const one = await call('GET', `/api/requests/${encodeURIComponent(id)}`, admin);
      expect(one.status, `${id}: ${one.text.slice(0, 300)}`).toBe(200);
      const audit = await call('GET', `/api/requests/${encodeURIComponent(id)}/audit`, admin);
      expect(audit.status).toBe(200);
    }
    expect((await call('GET', '/api/audit?limit=1000', admin)).status).toBe(200);
  });
});
