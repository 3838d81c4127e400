/**
 * `POST /api/requests` has two servers: the fast path on node:http (app/http/create-route.ts) for a
 * JSON body with a Content-Length on the exact path, and the express route for everything else. A
 * client must not be able to tell them apart: every case here is sent both ways (`/api/requests`,
 * and `/api/requests?via=express`, which the fast path leaves to express) and must get the same
 * status, body and headers. express adds an ETag and the fast path does not, which is how each
 * test checks which one answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const POLICIES = {
  'main.yaml': `
rules:
  - name: reads
    if: { action: "read_*" }
    decision: auto_approve
  - name: deploys
    if: { action: "deploy" }
    decision: route_to_human
`,
};

const FAST = '/api/requests';
const EXPRESS = '/api/requests?via=express';
const BODY_LIMIT = 4096;

let t: TestServer;
let agentKey: string;
let readerKey: string;

beforeAll(async () => {
  t = await startTestServer({ policies: POLICIES, bodyLimitBytes: BODY_LIMIT, webhooks: false });
  agentKey = (await keyClient(t.url, t.adminKey, 'agent', ['request:create'])).key;
  readerKey = (await keyClient(t.url, t.adminKey, 'reader', ['request:read'])).key;
});
afterAll(() => t.close());

/** A raw POST, so bodies and headers are exactly what each case says. */
async function post(path: string, body: string, headers: Record<string, string>): Promise<ApiResponse> {
  const res = await fetch(t.url + path, { method: 'POST', body, headers });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

const COMPARED_HEADERS = [
  'content-type',
  'x-content-type-options',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'retry-after',
  'idempotent-replayed',
  'connection',
];
const headersOf = (res: ApiResponse) =>
  Object.fromEntries(COMPARED_HEADERS.map((h) => [h, res.headers.get(h)]));

/** Sends the same request both ways; expects the same answer, from the fast path and from express. */
async function bothWays(body: string, headers: Record<string, string>) {
  const fast = await post(FAST, body, headers);
  const slow = await post(EXPRESS, body, headers);
  expect(fast.headers.get('etag'), 'the fast path answered').toBeNull();
  expect(slow.headers.get('etag'), 'express answered').not.toBeNull();
  expect(fast.status).toBe(slow.status);
  expect(headersOf(fast)).toEqual(headersOf(slow));
  return { fast, slow };
}

const json = (key: string | null, extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  ...(key && { authorization: `Bearer ${key}` }),
  ...extra,
});

describe('POST /api/requests on the fast path and on express', () => {
  it('creates the same request: auto-approved, and routed to a human', async () => {
    for (const action of ['read_file', 'deploy']) {
      const { fast, slow } = await bothWays(JSON.stringify({ action, params: { n: 1 } }), json(agentKey));
      expect(fast.status).toBe(201);
      const strip = ({ id: _id, createdAt: _c, updatedAt: _u, decidedAt: _d, expiresAt: _e, ...rest }: any) =>
        rest;
      expect(strip(fast.body)).toEqual(strip(slow.body));
      expect(fast.body.status).toBe(action === 'deploy' ? 'pending' : 'approved');
      // What was answered is what is stored.
      const stored = await apiClient(t.url, t.adminKey)('GET', `/api/requests/${fast.body.id}`);
      expect(stored.body).toEqual(fast.body);
    }
  });

  it('accepts a UTF-8 charset, quoted or not, and a trailing slash', async () => {
    for (const type of ['application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"']) {
      const res = await post(`${FAST}/`, JSON.stringify({ action: 'read_x' }), {
        ...json(agentKey),
        'content-type': type,
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('etag')).toBeNull();
    }
  });

  it('refuses the same bad requests with the same words', async () => {
    const cases: [string, Record<string, string>, number][] = [
      ['{"action": ', json(agentKey), 400],
      ['"read_file"', json(agentKey), 400],
      ['{}', json(agentKey), 400],
      [JSON.stringify({ action: 'read_file', urgency: 'whenever' }), json(agentKey), 400],
      [
        JSON.stringify({
          action: 'read_file',
          params: { a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] },
        }),
        json(agentKey),
        400,
      ],
      [JSON.stringify({ action: 'read_file' }), json(null), 401],
      [JSON.stringify({ action: 'read_file' }), json('agk_not-a-key'), 401],
      [JSON.stringify({ action: 'read_file' }), json(readerKey), 403],
      [JSON.stringify({ action: 'read_file' }), json(agentKey, { 'idempotency-key': 'a b' }), 400],
      [`{"action":"read_file","params":{"pad":"${'x'.repeat(BODY_LIMIT)}"}}`, json(agentKey), 413],
    ];
    for (const [body, headers, status] of cases) {
      const { fast, slow } = await bothWays(body, headers);
      expect(fast.status, body.slice(0, 60)).toBe(status);
      expect(fast.body).toEqual(slow.body);
      expect(fast.body.code).toEqual(expect.any(String));
    }
  });

  it('replays an Idempotency-Key and refuses it for another body, the same way', async () => {
    for (const path of [FAST, EXPRESS]) {
      const key = `idem-${path.length}`;
      const body = JSON.stringify({ action: 'deploy', params: { v: 1 } });
      const first = await post(path, body, json(agentKey, { 'idempotency-key': key }));
      const again = await post(path, body, json(agentKey, { 'idempotency-key': key }));
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      const other = await post(
        path,
        JSON.stringify({ action: 'deploy' }),
        json(agentKey, { 'idempotency-key': key }),
      );
      expect(other.status).toBe(422);
      expect(other.body.code).toBe('idempotency_conflict');
    }
  });

  it('charges the rate limit once per request and refuses past it with Retry-After', async () => {
    for (const path of [FAST, EXPRESS]) {
      const { key } = await keyClient(t.url, t.adminKey, `limited-${path.length}`, ['request:create'], {
        rateLimit: 2,
      });
      const statuses: number[] = [];
      let last!: ApiResponse;
      for (let i = 0; i < 3; i += 1) {
        last = await post(path, JSON.stringify({ action: 'read_file' }), json(key));
        statuses.push(last.status);
      }
      expect(statuses).toEqual([201, 201, 429]);
      expect(last.body.code).toBe('rate_limited');
      expect(last.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(last.headers.get('x-ratelimit-remaining')).toBe('0');
    }
  });

  it('leaves other media types, charsets, encodings and chunked bodies to express', async () => {
    const body = JSON.stringify({ action: 'read_file' });
    const latin1 = await post(
      FAST,
      body,
      json(agentKey, { 'content-type': 'application/json; charset=latin1' }),
    );
    expect(latin1.status).toBe(415);
    const text = await post(FAST, body, json(agentKey, { 'content-type': 'text/plain' }));
    expect(text.status).toBe(415);
    const chunked = await fetch(t.url + FAST, {
      method: 'POST',
      headers: json(agentKey),
      body: new Blob([body]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(201);
    expect(chunked.headers.get('etag')).not.toBeNull();
  });

  it('counts its requests under the route label express would give them', async () => {
    const count = async () => {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      const line =
        /^agentgate_http_request_duration_seconds_count\{method="POST",route="\/api\/requests",status="201"\} (\d+)$/m.exec(
          text,
        );
      return Number(line?.[1] ?? 0);
    };
    const before = await count();
    await bothWays(JSON.stringify({ action: 'read_file' }), json(agentKey));
    expect(await count()).toBe(before + 2);
  });
});
