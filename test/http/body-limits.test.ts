/**
 * Issue #13 item 1: every route that takes a body refuses an oversized one with 413 before doing
 * any work — at once for a declared Content-Length, the moment a chunked body passes the limit —
 * and throws away at most a bounded rest instead of reading it all; the server stays responsive.
 */
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubIntegration } from '../../app/github/integration.js';
import { BODY_LIMITS } from '../../app/http/read-body.js';
import { createLogger } from '../../app/logger.js';
import { createMcpHttpIntegration } from '../../app/mcp-http/http-integration.js';
import { slackIntegration } from '../../app/slack/integration.js';
import { quietSlack } from '../fakes/fake-slack.js';
import { connectTestGitHubApp } from '../helpers/github-app.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const API_LIMIT = 64 * 1024;
const MCP_LIMIT = 32 * 1024;

let t: TestServer;
const logLines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const log = createLogger('debug', sink);
  const { connection, policies } = connectTestGitHubApp({
    host: '127.0.0.1:9',
    webhookSecret: 'a-webhook-secret',
    log,
  });
  t = await startTestServer({
    log,
    webhooks: false,
    bodyLimitBytes: API_LIMIT,
    integrations: [
      createGitHubIntegration({ connection, policies, reconcileIntervalMs: 0 }),
      slackIntegration({ api: quietSlack, signingSecret: 'slack-signing-secret', channel: '#a' }),
      createMcpHttpIntegration({ bodyLimitBytes: MCP_LIMIT }),
    ],
  });
});
afterAll(() => t.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  /** Bytes the client had handed to the socket when the answer arrived. */
  sent: number;
}

/**
 * Posts a body that never ends: `declared` bytes announced (or chunked when null), written in
 * 16 KiB chunks, at most four in flight, up to 256 KiB (past `limit` when chunked). Any answer thus
 * proves the server answered without the whole body.
 */
function post(
  path: string,
  headers: Record<string, string>,
  declared: number | null,
  limit = 0,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let inFlight = 0;
    let answered = false;
    const req = httpRequest(`${t.url}${path}`, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${t.adminKey}`,
        ...headers,
        ...(declared === null ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(declared) }),
      },
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, sent });
        req.destroy();
      });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(16 * 1024, 0x20); // spaces: valid JSON padding
    const cap = declared === null ? limit + 256 * 1024 : 256 * 1024;
    const pump = () => {
      // A little past the limit, then nothing more (never the end): only a refusal answers that.
      while (!answered && inFlight < 4 && sent < cap) {
        inFlight++;
        sent += chunk.length;
        req.write(chunk, () => {
          inFlight--;
          pump();
        });
      }
    };
    req.write('{"a":1');
    req.once('socket', (socket) => socket.once('connect', pump));
  });
}

const ROUTES: Array<{ name: string; path: string; limit: number; headers: Record<string, string> }> = [
  {
    name: 'the API',
    path: '/api/requests',
    limit: API_LIMIT,
    headers: { 'content-type': 'application/json' },
  },
  {
    name: 'MCP',
    path: '/mcp',
    limit: MCP_LIMIT,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  },
  {
    name: 'Slack interactions',
    path: '/api/slack/interactions',
    limit: BODY_LIMITS.slack,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  },
  {
    name: 'GitHub webhooks',
    path: '/api/github/webhooks',
    limit: BODY_LIMITS.github,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'issue_comment',
      'x-github-delivery': 'd6a3b5c0-0000-4000-8000-000000000000',
      'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
    },
  },
];

describe.each(ROUTES)('$name ($path)', ({ path, limit, headers }) => {
  it('refuses a declared 400 MB body at once, without reading it', async () => {
    const answer = await post(path, headers, 400 * 1024 * 1024);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ code: 'payload_too_large', details: { limitBytes: limit } });
    const health = await fetch(`${t.url}/health`);
    expect(health.status).toBe(200);
  });

  it('refuses a chunked body as soon as it passes the limit', async () => {
    const answer = await post(path, headers, null, limit);
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('payload_too_large');
    expect(answer.sent).toBeGreaterThan(limit);
  });
});

describe('GitHub webhooks before the signature check', () => {
  it('never logs a forged body, and refuses it with our error JSON', async () => {
    logLines.length = 0;
    const marker = 'FORGED-BODY-MARKER';
    const body = JSON.stringify({ action: 'created', filler: `${marker}${'x'.repeat(2 * 1024 * 1024)}` });
    const res = await fetch(`${t.url}/api/github/webhooks`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issue_comment',
        'x-github-delivery': 'forged-1',
        'x-hub-signature-256': `sha256=${'1'.repeat(64)}`,
      },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'bad_request',
      error: expect.stringMatching(/signature does not match/),
    });
    const logged = logLines.join('');
    expect(logged).not.toContain(marker);
    expect(logged.length).toBeLessThan(20_000);
  });

  it('refuses malformed or oversized headers before reading the body', async () => {
    const cases: Array<[Record<string, string>, number, RegExp]> = [
      [{ 'content-type': 'text/plain' }, 415, /JSON/],
      [{ 'content-type': 'application/json' }, 400, /Required headers missing/],
      [
        {
          'content-type': 'application/json',
          'x-github-event': 'issue_comment',
          'x-github-delivery': 'x'.repeat(5000),
          'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        },
        400,
        /X-GitHub-Delivery/,
      ],
      [
        {
          'content-type': 'application/json',
          'x-github-event': 'issue_comment; DROP',
          'x-github-delivery': 'abc',
          'x-hub-signature-256': 'sha1=00',
        },
        400,
        /X-GitHub-Event, X-Hub-Signature-256/,
      ],
    ];
    for (const [hdrs, status, message] of cases) {
      const answer = await post('/api/github/webhooks', hdrs, 10 * 1024 * 1024);
      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject({ error: expect.stringMatching(message), code: expect.any(String) });
    }
  });
});

describe('bodies within the limit', () => {
  it('still parse as before, and a compressed body is refused with 415', async () => {
    const ok = await fetch(`${t.url}/api/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        action: 'x',
        params: { pad: 'p'.repeat(30_000) },
        context: { pad: 'c'.repeat(30_000) },
      }),
    });
    expect(ok.status).toBe(201);
    const gz = await fetch(`${t.url}/api/requests`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.adminKey}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: 'not really gzip',
    });
    expect(gz.status).toBe(415);
    expect(((await gz.json()) as { code: string }).code).toBe('unsupported_media_type');
  });
});
