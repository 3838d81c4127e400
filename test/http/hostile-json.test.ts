/**
 * Issue #13 items 2 and 3: stored JSON is bounded (depth, size, keys, strings) and what a client
 * sent is either stored as sent or refused — never silently changed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_LIMITS } from '../../app/http/json-limits.js';
import { type Api, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
let dir: string;
let agent: Api;
let operator: Api;

const nested = (levels: number, leaf = '1') =>
  `${'{"a":'.repeat(levels - 1)}{"leaf":${leaf}}${'}'.repeat(levels - 1)}`;
const body = (params: string, extra = '') => `{"action":"deploy:x","params":${params}${extra}}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentgate-hostile-json-'));
  t = await startTestServer({ databasePath: join(dir, 'db.sqlite') });
  agent = (await keyClient(t.url, t.adminKey, 'agent', ['request:create'])).api;
  operator = (await keyClient(t.url, t.adminKey, 'operator', ['request:read', 'request:decide'])).api;
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('stored JSON limits', () => {
  it('stores params exactly 32 levels deep and refuses 33 with invalid_request naming the path', async () => {
    const ok = await agent('POST', '/api/requests', body(nested(32)));
    expect(ok.status).toBe(201);
    const deep = await agent('POST', '/api/requests', body(nested(33)));
    expect(deep.status).toBe(400);
    expect(deep.body.code).toBe('invalid_request');
    expect(deep.body.details).toEqual([
      expect.objectContaining({ limit: 'maxDepth', max: 32, path: `params${'.a'.repeat(32)}` }),
    ]);
  });

  it.each([4150, 100_000])('refuses params %i levels deep with a 400, not a 500', async (levels) => {
    const res = await agent('POST', '/api/requests', body(nested(levels)));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_request');
    const listed = await operator('GET', '/api/requests');
    expect(listed.status).toBe(200);
  });

  it('refuses deep arrays and deep context too, and the same on the dry-run route', async () => {
    const deepArray = `${'['.repeat(40)}${']'.repeat(40)}`;
    const arr = await agent('POST', '/api/requests', body(`{"list":${deepArray}}`));
    expect(arr.status).toBe(400);
    expect(arr.body.details[0]).toMatchObject({
      limit: 'maxDepth',
      path: expect.stringMatching(/^params\.list(\[0\])+$/),
    });
    const ctx = await agent('POST', '/api/requests', `{"action":"x","context":${nested(50)}}`);
    expect(ctx.status).toBe(400);
    expect(ctx.body.details[0].path).toMatch(/^context\.a/);
    const dry = await agent('POST', '/api/policies/evaluate', body(nested(5000)));
    expect(dry.status).toBe(400);
    expect(dry.body.code).toBe('invalid_request');
  });

  it('refuses params over 64 KiB, too many keys, long keys and long strings, naming each limit', async () => {
    const cases: Array<[unknown, string, string]> = [
      [{ a: 'x'.repeat(30_000), b: 'y'.repeat(30_000), c: 'z'.repeat(10_000) }, 'maxBytes', 'params'],
      [
        Object.fromEntries(Array.from({ length: JSON_LIMITS.maxKeys + 1 }, (_, i) => [`k${i}`, 1])),
        'maxKeys',
        'params',
      ],
      [{ ['k'.repeat(JSON_LIMITS.maxKeyLength + 1)]: 1 }, 'maxKeyLength', `params.${'k'.repeat(40)}…`],
      [{ s: { t: 's'.repeat(JSON_LIMITS.maxStringLength + 1) } }, 'maxStringLength', 'params.s.t'],
    ];
    for (const [params, limit, path] of cases) {
      const res = await agent('POST', '/api/requests', { action: 'x', params });
      expect(res.status, limit).toBe(400);
      expect(res.body).toMatchObject({ code: 'invalid_request', details: [{ limit, path }] });
      expect(res.body.error).toMatch(/^Invalid request body: /);
    }
  });
});

describe('no silent changes to what the client sent', () => {
  it.each(['0s', '0m0s', '00h', 0])('refuses timeout %j instead of waiting 24 hours', async (timeout) => {
    const res = await agent('POST', '/api/requests', { action: 'x', timeout });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/timeout must be positive/);
  });

  it('still takes a duration with a zero part, such as "0h30m"', async () => {
    const res = await agent('POST', '/api/requests', { action: 'x', timeout: '0h30m' });
    expect(res.status).toBe(201);
    expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt)).toBe(30 * 60_000);
  });

  it('refuses a __proto__ key in params or context, at the top or nested', async () => {
    for (const raw of [
      '{"action":"x","params":{"__proto__":{"admin":true},"a":1}}',
      '{"action":"x","params":{"a":{"__proto__":1}}}',
      '{"action":"x","context":{"__proto__":"x"}}',
    ]) {
      const res = await agent('POST', '/api/requests', raw, { 'idempotency-key': `proto-${raw.length}` });
      expect(res.status, raw).toBe(400);
      expect(res.body).toMatchObject({ code: 'invalid_request', details: [{ limit: 'noProtoKey' }] });
    }
  });

  it('refuses numbers too large to store (1e400 parses as Infinity) rather than storing null', async () => {
    const res = await agent('POST', '/api/requests', '{"action":"x","params":{"amount":1e400}}');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'invalid_request',
      details: [{ path: 'params.amount', limit: 'finiteNumbers' }],
    });
    const negative = await agent('POST', '/api/requests', '{"action":"x","context":{"n":[-1e999]}}');
    expect(negative.body.details[0].path).toBe('context.n[0]');
  });

  it('refuses a repeated query parameter on the long-poll like on every other route', async () => {
    const created = await agent('POST', '/api/requests', { action: 'deploy:dup' });
    const wait = await agent('GET', `/api/requests/${created.body.id}/wait?timeout=0&timeout=2`);
    expect(wait.status).toBe(400);
    expect(wait.body.code).toBe('validation_failed');
    const list = await operator('GET', '/api/requests?limit=1&limit=2');
    expect(list.status).toBe(400);
    const proto = await agent('GET', `/api/requests/${created.body.id}/wait?__proto__=1`);
    expect(proto.status).toBe(400);
    const once = await agent('GET', `/api/requests/${created.body.id}/wait?timeout=0`);
    expect(once.status).toBe(200);
  });
});

describe('requests stored before the limits', () => {
  it('stay readable: a row nested 5,000 levels deep shows a placeholder instead of failing every read', async () => {
    const created = await agent('POST', '/api/requests', { action: 'deploy:legacy', params: { ok: true } });
    const db = new Database(join(dir, 'db.sqlite'));
    try {
      db.prepare('UPDATE requests SET params = ?, context = ? WHERE id = ?').run(
        nested(5000),
        'not json',
        created.body.id,
      );
    } finally {
      db.close();
    }
    const expected = {
      id: created.body.id,
      params: { _agentgate_unreadable: expect.stringMatching(/nested deeper than 256 levels/) },
      context: { _agentgate_unreadable: expect.stringMatching(/not a JSON object|other than a JSON object/) },
    };
    const list = await operator('GET', '/api/requests?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.requests).toContainEqual(expect.objectContaining(expected));
    const one = await operator('GET', `/api/requests/${created.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject(expected);
    const wait = await operator('GET', `/api/requests/${created.body.id}/wait?timeout=0`);
    expect(wait.status).toBe(200);
    expect(wait.body).toMatchObject(expected);
    const decided = await operator('POST', `/api/requests/${created.body.id}/decide`, { decision: 'denied' });
    expect(decided.status).toBe(200);
  });
});
