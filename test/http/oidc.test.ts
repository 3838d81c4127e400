import { generateSecret, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../helpers/http.js';
import { actionsClaims, type OidcIssuer, startOidcIssuer } from '../helpers/oidc-issuer.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let issuer: OidcIssuer;
let t: TestServer;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  t = await startTestServer({ oidc: { issuer: issuer.issuer } });
});
afterAll(async () => {
  await t.close();
  await issuer.close();
});

const asJob = async (claims: Record<string, unknown> = actionsClaims()) =>
  apiClient(t.url, await issuer.mint(claims));

describe('a GitHub Actions OIDC token', () => {
  it('creates a request whose repository and requester come from the token', async () => {
    const api = await asJob();
    const res = await api('POST', '/api/requests', {
      action: 'deploy:production',
      context: { repository: 'ACME/app' },
    });
    expect(res.status).toBe(201);
    expect(res.body.repository).toBe('acme/app');
    expect(res.body.requester).toEqual({
      type: 'github_actions',
      repository: 'acme/app',
      actor: 'octocat',
      workflow: 'acme/app/.github/workflows/deploy.yml@refs/heads/main',
      runId: '9001',
      sha: 'b'.repeat(40),
      ref: 'refs/heads/main',
      workflowRef: 'acme/app/.github/workflows/deploy.yml@refs/heads/main',
      jobWorkflowRef: 'acme/app/.github/workflows/deploy.yml@refs/heads/main',
      event: 'push',
      environment: null,
      pullRequest: null,
    });
    // The commit a push run gates is the token's: filled in for the check run.
    expect(res.body.context).toEqual({ repository: 'ACME/app', sha: 'b'.repeat(40) });
    const audit = await apiClient(t.url, t.adminKey)('GET', `/api/requests/${res.body.id}/audit`);
    expect(audit.body[0]).toMatchObject({ eventType: 'created', actor: 'github-actions:acme/app' });
  });

  it('reads, waits on, lists and cancels its own requests', async () => {
    const api = await asJob();
    const { id } = (await api('POST', '/api/requests', { action: 'deploy:own' })).body;
    expect((await api('GET', `/api/requests/${id}`)).status).toBe(200);
    const waited = await api('GET', `/api/requests/${id}/wait?timeout=0`);
    expect(waited.status).toBe(200);
    expect(waited.body.status).toBe('pending');
    const list = await api('GET', '/api/requests?action=deploy:own');
    expect(list.body.requests.map((r: { id: string }) => r.id)).toEqual([id]);
    const cancelled = await api('POST', `/api/requests/${id}/cancel`, { reason: 'workflow cancelled' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', decidedBy: 'github-actions:acme/app' });
  });

  it('never decides, not even its own request (403)', async () => {
    const api = await asJob();
    const { id } = (await api('POST', '/api/requests', { action: 'deploy:self' })).body;
    const res = await api('POST', `/api/requests/${id}/decide`, { decision: 'approved' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
  });

  it("gets 404 for another repository's requests, and for another run's", async () => {
    const mine = await asJob();
    const { id } = (await mine('POST', '/api/requests', { action: 'deploy:private' })).body;
    const admin = apiClient(t.url, t.adminKey);
    const byKey = (await admin('POST', '/api/requests', { action: 'deploy:admin' })).body.id;

    const other = await asJob(actionsClaims({ repository: 'evil/fork', repository_id: '666' }));
    const laterRun = await asJob(actionsClaims({ run_id: '9002' }));
    for (const api of [other, laterRun]) {
      for (const target of [id, byKey]) {
        expect((await api('GET', `/api/requests/${target}`)).status).toBe(404);
        expect((await api('GET', `/api/requests/${target}/wait?timeout=0`)).status).toBe(404);
        expect((await api('POST', `/api/requests/${target}/cancel`, {})).status).toBe(404);
      }
      expect((await api('GET', '/api/requests')).body.requests).toEqual([]);
    }
    expect((await admin('GET', `/api/requests/${id}`)).body.status).toBe('pending');
  });

  it('a re-run (same run, next attempt) reuses the request of an idempotency key; another run cannot', async () => {
    const first = await asJob(actionsClaims({ run_attempt: '1' }));
    const rerun = await asJob(actionsClaims({ run_attempt: '2' }));
    const otherRun = await asJob(actionsClaims({ run_id: '777' }));
    const body = { action: 'deploy:idempotent' };
    const key = { 'idempotency-key': 'gha-9001-deploy' };
    const a = await first('POST', '/api/requests', body, key);
    const b = await rerun('POST', '/api/requests', body, key);
    const c = await otherRun('POST', '/api/requests', body, key);
    expect(b.body.id).toBe(a.body.id);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(c.body.id).not.toBe(a.body.id);
  });

  it('is rate-limited per repository, with the usual headers', async () => {
    const res = await (await asJob())('GET', '/api/requests');
    expect(res.headers.get('x-ratelimit-limit')).toBe('300');
    expect(Number(res.headers.get('x-ratelimit-remaining'))).toBeLessThan(300);
  });

  it('fetches the issuer keys once and keeps them', async () => {
    const before = issuer.jwksFetches();
    for (let i = 0; i < 5; i++) await (await asJob())('GET', '/api/requests');
    expect(before).toBeGreaterThanOrEqual(1);
    expect(issuer.jwksFetches()).toBe(before);
  });
});

describe('invalid tokens are 401 with a reason, never 5xx', () => {
  const tamper = async () => {
    const [header, , signature] = (await issuer.mint()).split('.');
    const forged = Buffer.from(JSON.stringify({ ...actionsClaims({ repository: 'evil/repo' }) })).toString(
      'base64url',
    );
    return `${header}.${forged}.${signature}`;
  };
  const hs256 = async () =>
    new SignJWT(actionsClaims())
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer.issuer)
      .setAudience('agentgate')
      .setExpirationTime('5m')
      .sign(await generateSecret('HS256'));

  const cases: Array<[string, () => Promise<string>, RegExp]> = [
    ['tampered claims', tamper, /signature/],
    [
      'signed by another key under the published kid',
      () => issuer.mint(actionsClaims(), { foreignKey: true }),
      /signature/,
    ],
    ['expired', () => issuer.mint(actionsClaims(), { expiresIn: -60 }), /expired/],
    [
      'for another audience',
      () => issuer.mint(actionsClaims(), { audience: 'https://github.com/acme' }),
      /audience/,
    ],
    [
      'from another issuer',
      () => issuer.mint(actionsClaims(), { issuer: 'https://token.actions.githubusercontent.com' }),
      /issued by/,
    ],
    [
      'with an unknown kid',
      () => issuer.mint(actionsClaims(), { kid: 'rotated-away', foreignKey: true }),
      /kid/,
    ],
    ['signed with HS256', hs256, /RS256/],
    ['that never expires', () => issuer.mint(actionsClaims(), { expiresIn: null }), /"exp"/],
    ['without a repository claim', () => issuer.mint(actionsClaims({ repository: undefined })), /repository/],
    ['that only looks like a JWT', async () => 'eyJub3QiOiJqc29uIn0.e30.c2ln', /not a well-formed JWT/],
    ['signed with alg none', async () => 'eyJhbGciOiJub25lIn0.e30.c2ln', /RS256/],
    ['without a run_id claim', () => issuer.mint(actionsClaims({ run_id: undefined })), /run_id/],
  ];

  for (const [name, token, reason] of cases) {
    it(`a token ${name}`, async () => {
      const api = apiClient(t.url, await token());
      for (const [method, path, body] of [
        ['POST', '/api/requests', { action: 'deploy' }],
        ['GET', '/api/requests/req_x/wait?timeout=1', undefined],
      ] as const) {
        const res = await api(method, path, body);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('unauthorized');
        expect(res.body.error).toMatch(/OIDC token was refused/);
        expect(res.body.error).toMatch(reason);
      }
    });
  }

  it('when the issuer keys cannot be fetched', async () => {
    const unreachable = await startTestServer({
      oidc: { issuer: issuer.issuer, jwksUrl: 'http://127.0.0.1:9/.well-known/jwks' },
    });
    try {
      const res = await apiClient(unreachable.url, await issuer.mint())('POST', '/api/requests', {
        action: 'x',
      });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatch(/signing keys could not be read from http:\/\/127\.0\.0\.1:9/);
    } finally {
      await unreachable.close();
    }
  });

  it('on a server that does not accept OIDC tokens', async () => {
    const keysOnly = await startTestServer();
    try {
      const res = await apiClient(keysOnly.url, await issuer.mint())('GET', '/api/requests');
      expect(res.status).toBe(401);
      expect(res.body.error).toMatch(/does not accept GitHub Actions OIDC tokens/);
    } finally {
      await keysOnly.close();
    }
  });

  it('while API keys and the admin key keep working beside OIDC', async () => {
    expect((await apiClient(t.url, t.adminKey)('GET', '/api/requests')).status).toBe(200);
    expect((await apiClient(t.url, 'agk_unknown')('GET', '/api/requests')).status).toBe(401);
  });
});
