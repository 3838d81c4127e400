/**
 * The web console over plain HTTP (no browser): security headers, cookie flags, sign-in failures and
 * its rate limit, CSRF refusals, admin-only pages, operator decisions and override refusals, no GET
 * that changes anything, and hostile agent data rendered as text. Real server, real SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../app/console/http-helpers.js';
import { apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ConsoleClient } from './console-client.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: Parameters<typeof startTestServer>[0] = {}) {
  server = await startTestServer({ webhooks: false, console: true, ...options });
  return server;
}

async function pendingRequest(s: TestServer, body: Record<string, unknown> = {}) {
  const agent = await keyClient(s.url, s.adminKey, `agent-${Math.random()}`, ['request:create']);
  const created = await agent.api('POST', '/api/requests', {
    action: 'send_email',
    params: { to: 'x@example.com' },
    ...body,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { id: string; status: string };
}

describe('console pages and security headers', () => {
  it('sends visitors to sign in, leaves /api, /health and unknown paths as they were', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/requests/abc?x=1`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Frequests%2Fabc%3Fx%3D1');
    expect((await fetch(`${s.url}/api/requests`)).status).toBe(401);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    const unknown = await fetch(`${s.url}/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'not_found' });
  });

  it('serves pages with a strict CSP, no framing, no caching, and an HttpOnly SameSite session cookie', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/login`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    const cookie = res.headers.getSetCookie()[0] ?? '';
    expect(cookie).toMatch(/^agentgate_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const page = await res.text();
    expect(page).not.toMatch(/<script>|<style|\sstyle=|\son\w+=/i); // no inline script, style or handlers
    expect(page).toContain('<script src="/console/assets/console.js?v=');
  });

  it('marks the cookie Secure (with the __Host- prefix) when the public URL is https', async () => {
    const s = await start({ console: { publicUrl: 'https://agentgate.example.com' } });
    const cookie = (await fetch(`${s.url}/login`)).headers.getSetCookie()[0] ?? '';
    expect(cookie).toMatch(/^__Host-agentgate_session=.*; Secure$/);
  });

  it('opens live-update streams only for a signed-in session, and only on requests it may read', async () => {
    const s = await start();
    expect((await fetch(`${s.url}/console/events`)).status).toBe(401);
    const { key } = await keyClient(s.url, s.adminKey, 'own-only', ['request:create']);
    const other = await pendingRequest(s);
    const client = new ConsoleClient(s.url);
    await client.signIn(key);
    const foreign = await client.get(`/console/events?request=${other.id}`);
    expect(foreign.status).toBe(404);
    const stream = await fetch(`${s.url}/console/events`, { headers: { cookie: client.cookie } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    await stream.body?.cancel();
  });

  it('serves the one script and the stylesheet from this origin', async () => {
    const s = await start();
    const js = await fetch(`${s.url}/console/assets/console.js`);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(await js.text()).toContain("new EventSource('/console/events'");
    const css = await fetch(`${s.url}/console/assets/console.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
  });
});

describe('signing in', () => {
  it('refuses a wrong key with a sentence, never echoing it, and signs in with a good one', async () => {
    const s = await start();
    const client = new ConsoleClient(s.url);
    const wrong = await client.signIn('agk_this-key-does-not-exist-0000000000000000');
    expect(wrong.status).toBe(401);
    const page = await wrong.text();
    expect(page).toContain('That key was not accepted: This API key is unknown or has been revoked');
    expect(page).not.toContain('agk_this-key-does-not-exist');
    const good = await client.signIn(s.adminKey);
    expect(good.status).toBe(303);
    const queue = await client.get('/');
    expect(queue.status).toBe(200);
    const text = await queue.text();
    expect(text).toContain('Signed in as <strong>API key admin</strong>');
    expect(text).not.toContain(s.adminKey);
    expect(client.cookie).not.toContain(s.adminKey);
  });

  it('refuses a sign-in form without the CSRF token', async () => {
    const s = await start();
    const client = new ConsoleClient(s.url);
    await client.get('/login');
    const res = await client.post('/login', { apiKey: s.adminKey });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('did not carry this session’s security token');
    expect((await client.get('/')).status).toBe(303); // still signed out
  });

  it('bounds sign-in attempts per address', async () => {
    const s = await start({ console: { loginAttemptsPerMinute: 3 } });
    const client = new ConsoleClient(s.url);
    for (let i = 0; i < 3; i += 1) expect((await client.signIn('agk_wrong')).status).toBe(401);
    const limited = await client.signIn(s.adminKey);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited.text()).toContain('Too many sign-in attempts');
  });

  it('ends the session at sign-out and when the key is revoked', async () => {
    const s = await start();
    const { key, id } = await keyClient(s.url, s.adminKey, 'reader', ['request:read']);
    const client = new ConsoleClient(s.url);
    await client.signIn(key);
    expect((await client.get('/')).status).toBe(200);
    await apiClient(s.url, s.adminKey)('DELETE', `/api/api-keys/${id}`);
    expect((await client.get('/')).status).toBe(303);

    const admin = new ConsoleClient(s.url);
    await admin.signIn(s.adminKey);
    const before = admin.cookie;
    const out = await admin.post('/logout', { _csrf: await admin.csrf() });
    expect(out.status).toBe(303);
    admin.cookie = before; // a copy of the old cookie is no good either
    expect((await admin.get('/')).status).toBe(303);
  });
});

describe('deciding from the console', () => {
  it('refuses a decide POST without, or with a wrong, CSRF token, and the request stays pending', async () => {
    const s = await start();
    const request = await pendingRequest(s);
    const client = new ConsoleClient(s.url);
    await client.signIn(s.adminKey);
    const other = new ConsoleClient(s.url);
    await other.signIn(s.adminKey);
    const forms: Record<string, string>[] = [
      { decision: 'approve' },
      { decision: 'approve', _csrf: 'forged' },
      { decision: 'approve', _csrf: await other.csrf() },
    ];
    for (const form of forms) {
      const res = await client.post(`/requests/${request.id}/decide`, form);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('security token');
    }
    const now = await apiClient(s.url, s.adminKey)('GET', `/api/requests/${request.id}`);
    expect(now.body.status).toBe('pending');
  });

  it('lets a request:decide key approve as an operator, and a GET never decides', async () => {
    const s = await start();
    const request = await pendingRequest(s);
    const client = new ConsoleClient(s.url);
    await client.signIn(s.adminKey);
    expect((await client.get(`/requests/${request.id}/decide?decision=approve`)).status).toBe(404);
    const page = await client.get(`/requests/${request.id}`);
    expect(page.status).toBe(200);
    const res = await client.post(`/requests/${request.id}/decide`, {
      _csrf: ConsoleClient.csrfOf(await page.text()),
      decision: 'approve',
      reason: 'looks fine',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Approved as api:admin');
    const now = await apiClient(s.url, s.adminKey)('GET', `/api/requests/${request.id}`);
    expect(now.body).toMatchObject({
      status: 'approved',
      decidedBy: 'api:admin',
      decisionReason: 'looks fine',
    });
    // It left the queue for the history.
    expect(await (await client.get('/')).text()).not.toContain(request.id);
    const history = await (await client.get('/?status=decided')).text();
    expect(history).toContain(`data-request-id="${request.id}"`);
    expect(await (await client.get('/?status=approved')).text()).toContain(request.id);
    expect((await client.get('/?urgency=asap')).status).toBe(400);
  });

  it('shows the policy’s refusal when overrides are forbidden, and a key without request:decide cannot decide', async () => {
    const s = await start({
      policies: {
        'p.yaml':
          'rules:\n  - name: no-overrides\n    if: { action: "send_email" }\n    decision: route_to_human\n    overrides: false\n',
      },
    });
    const request = await pendingRequest(s);
    const client = new ConsoleClient(s.url);
    await client.signIn(s.adminKey);
    const res = await client.post(`/requests/${request.id}/decide`, {
      _csrf: await client.csrf(),
      decision: 'approve',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('cannot be decided with an API key: rule &quot;no-overrides&quot;');
    const reader = new ConsoleClient(s.url);
    await reader.signIn((await keyClient(s.url, s.adminKey, 'reader', ['request:read'])).key);
    const page = await (await reader.get(`/requests/${request.id}`)).text();
    expect(page).toContain('lacks the &quot;request:decide&quot; scope');
    const refused = await reader.post(`/requests/${request.id}/decide`, {
      _csrf: ConsoleClient.csrfOf(page),
      decision: 'approve',
    });
    expect(refused.status).toBe(403);
    expect((await apiClient(s.url, s.adminKey)('GET', `/api/requests/${request.id}`)).body.status).toBe(
      'pending',
    );
  });
});

describe('admin pages', () => {
  it('shows keys without secrets and webhooks to admins, and a 403 page to others', async () => {
    const s = await start();
    const { key } = await keyClient(s.url, s.adminKey, 'reader', ['request:read']);
    const reader = new ConsoleClient(s.url);
    await reader.signIn(key);
    for (const path of ['/keys', '/webhooks']) {
      const res = await reader.get(path);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('This page is for admins');
    }
    const admin = new ConsoleClient(s.url);
    await admin.signIn(s.adminKey);
    const keys = await admin.get('/keys');
    expect(keys.status).toBe(200);
    const text = await keys.text();
    expect(text).toContain('<code>reader</code>');
    expect(text).not.toContain(key);
    expect(text).not.toMatch(/agk_[A-Za-z0-9_-]{20,}/);
    expect((await admin.get('/webhooks')).status).toBe(200);
    const policies = await admin.get('/policies');
    expect(policies.status).toBe(200);
    expect(await policies.text()).toContain('Policies in force');
  });
});

describe('the policies page', () => {
  it('shows the version in force and the errors of a version that could not be activated', async () => {
    // The local set in force, and a newer version that failed to load (as after a bad edit and SIGHUP).
    const s = await start({
      policies: {
        'ok.yaml': 'rules:\n  - name: reads\n    if: { action: "read_*" }\n    decision: auto_approve\n',
      },
      policyProvider: (local) => ({
        active: async () => ({
          ...(await local.active()),
          errors: [
            {
              file: 'bad.yaml',
              line: 3,
              column: 15,
              severity: 'error' as const,
              code: 'invalid_value',
              message: 'decision must be <auto_approve|auto_deny|route_to_human>',
              rule: 'broken',
            },
          ],
        }),
      }),
    });
    const client = new ConsoleClient(s.url);
    await client.signIn(s.adminKey);
    const page = await (await client.get('/policies')).text();
    expect(page).toContain('The newest version has errors and is not in force');
    expect(page).toContain(
      '<code>bad.yaml:3:15</code> decision must be &lt;auto_approve|auto_deny|route_to_human&gt;',
    );
    expect(page).toContain('<code>reads</code>');
    expect((await client.get('/policies?repository=not a repo')).status).toBe(400);
  });
});

describe('hostile agent data', () => {
  it('renders scripts, javascript: links, long values and deep JSON as text', async () => {
    const s = await start();
    let deep: Record<string, unknown> = { bottom: '<img src=x onerror=alert(1)>' };
    for (let i = 0; i < 25; i += 1) deep = { nested: deep };
    const request = await pendingRequest(s, {
      params: {
        body: '<script>window.__xss=1</script>',
        link: 'javascript:alert(1)',
        long: 'A'.repeat(30_000),
        deep,
      },
      context: { url: 'javascript:alert(document.cookie)', note: '"><svg onload=alert(1)>' },
    });
    const client = new ConsoleClient(s.url);
    await client.signIn(s.adminKey);
    const page = await (await client.get(`/requests/${request.id}`)).text();
    expect(page).not.toContain('<script>window.__xss');
    expect(page).toContain('&lt;script&gt;window.__xss=1&lt;/script&gt;');
    expect(page).not.toMatch(/href="javascript:/i);
    expect(page).not.toContain('<svg');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('Too long to show whole');
    const queue = await (await client.get('/')).text();
    expect(queue).toContain(request.id);
  });
});
