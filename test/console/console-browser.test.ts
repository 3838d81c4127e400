/**
 * The console in a real browser (Chromium), standalone, against a real server with real SQLite: an
 * operator signs in with the admin key, watches an agent's request arrive live, reads why it needs a
 * human, approves it, and the agent waiting on it continues. Hostile params render as text and run
 * nothing; a cross-origin form cannot decide. Screenshots of the queue and the request page (desktop
 * and phone) are written to `AGENTGATE_SCREENSHOTS_DIR` when it is set (docs/images/ holds a set).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { DESKTOP, launchChromium, PHONE, screenshot } from './browser.js';

const POLICIES = {
  'deploys.yaml': `
rules:
  - name: production-deploys
    description: A person approves every production deploy
    if: { action: "deploy:*" }
    decision: route_to_human
    route: { approvers: { permission: write }, count: 1, timeout: 4h }
`,
};

let browser: Browser;
let server: TestServer;
let agent: Awaited<ReturnType<typeof keyClient>>;

beforeAll(async () => {
  browser = await launchChromium();
  server = await startTestServer({ webhooks: false, policies: POLICIES, console: true });
  agent = await keyClient(server.url, server.adminKey, 'deploy-bot', ['request:create', 'request:read']);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signedInPage(viewport = DESKTOP): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  await page.waitForURL(/\/login\?next=/);
  await page.fill('#api-key', server.adminKey);
  await page.click('button[type=submit]');
  await page.waitForSelector('h1:has-text("Waiting for a decision")');
  return page;
}

// Chromium pages on a busy 2-core machine: generous bounds; every wait is for a selector or an event.
describe('the console in Chromium', { timeout: 60_000 }, () => {
  it('signs in, sees a request arrive live, approves it, and the waiting agent continues', async () => {
    const page = await signedInPage();
    await page.waitForSelector('body[data-live-connected="true"]');

    const created = await agent.api('POST', '/api/requests', {
      action: 'deploy:production',
      params: { service: 'checkout', version: '2026.12.5', replicas: 6 },
      context: {
        agent: 'deploy-bot',
        task: 'Ship the checkout fix',
        pr: 'https://github.com/acme/shop/pull/42',
      },
      urgency: 'high',
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    // The agent blocks on the long-poll, as the SDK and the Action do.
    const waiting = apiClient(server.url, agent.key)('GET', `/api/requests/${id}/wait?timeout=60`);

    const row = page.locator(`#queue li[data-request-id="${id}"]`);
    await row.waitFor(); // arrived without a reload
    await expect(row.textContent()).resolves.toContain('deploy:production');
    await screenshot(page, 'console-queue-desktop');

    await row.locator('a.action').click();
    await page.waitForSelector('#request-action');
    const why = await page.locator('section:has(h2:has-text("Why it needs a human"))').textContent();
    expect(why).toContain('production-deploys');
    expect(why).toContain('A person approves every production deploy');
    expect(why).toContain('✓ action is "deploy:production", which matches "deploy:*"');
    await expect(page.locator('.unverified .tag').textContent()).resolves.toContain('unverified');
    await screenshot(page, 'console-request-desktop', true);

    await page.fill('#reason', 'Checked the diff; ship it.');
    await page.click('button.approve');
    await page.waitForSelector('.note.ok');
    expect(await page.locator('.note.ok').textContent()).toContain('Approved as api:admin');

    const decided = await waiting;
    expect(decided.body).toMatchObject({
      id,
      status: 'approved',
      decidedBy: 'api:admin',
      decisionReason: 'Checked the diff; ship it.',
    });
    await page.context().close();
  });

  it('reads well at phone width', async () => {
    const created = await agent.api('POST', '/api/requests', {
      action: 'deploy:staging',
      params: { service: 'search', version: '2026.12.5-rc1' },
      context: { agent: 'deploy-bot', task: 'Try the new ranking' },
    });
    const page = await signedInPage(PHONE);
    await page.waitForSelector(`#queue li[data-request-id="${created.body.id}"]`);
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0); // nothing scrolls sideways
    await screenshot(page, 'console-queue-phone');
    await page.goto(`${server.url}/requests/${created.body.id}`);
    await page.waitForSelector('#request-action');
    expect(
      Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')),
    ).toBeLessThanOrEqual(0);
    await screenshot(page, 'console-request-phone', true);
    await page.context().close();
  });

  it('shows hostile params as text and runs none of them', async () => {
    let deep: Record<string, unknown> = { leaf: '<img src=x onerror="window.__xss=2">' };
    for (let i = 0; i < 25; i += 1) deep = { d: deep };
    const created = await agent.api('POST', '/api/requests', {
      action: 'deploy:x',
      params: {
        body: '<script>window.__xss=1</script>',
        link: 'javascript:window.__xss=3',
        html: '"><svg onload="window.__xss=4">',
        long: 'W'.repeat(30_000),
        deep,
      },
      context: { url: 'javascript:alert(1)', task: '</pre><script>alert(1)</script>' },
    });
    expect(created.status).toBe(201);
    const page = await signedInPage();
    let dialogs = 0;
    page.on('dialog', (dialog) => {
      dialogs += 1;
      void dialog.dismiss();
    });
    await page.goto(`${server.url}/requests/${created.body.id}`);
    await page.waitForSelector('#params');
    const params = await page.locator('#params').textContent();
    expect(params).toContain('<script>window.__xss=1</script>');
    expect(params).toContain('"><svg onload=\\"window.__xss=4\\">');
    expect(await page.locator('#context').textContent()).toContain('</pre><script>alert(1)</script>');
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    const hrefs = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.some((href) => /^\s*javascript:/i.test(href))).toBe(false);
    expect(await page.locator('#main script, #main svg, #main img').count()).toBe(0);
    expect(dialogs).toBe(0);
    await page.goto(`${server.url}/`);
    await page.waitForSelector(`#queue li[data-request-id="${created.body.id}"]`);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(dialogs).toBe(0);
    await page.context().close();
  });

  it('refuses a decision posted by another site’s form (no CSRF token), and the request stays pending', async () => {
    const created = await agent.api('POST', '/api/requests', {
      action: 'deploy:production',
      params: { service: 'billing' },
    });
    const id: string = created.body.id;
    const page = await signedInPage();
    // An attacker's page on another origin with a form aimed at the console.
    const attacker: Server = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end(
        `<form method="post" action="${server.url}/requests/${id}/decide"><input type="hidden" name="decision" value="approve"><button id="go">win a prize</button></form>`,
      );
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      await page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
      const [response] = await Promise.all([
        page.waitForResponse(`${server.url}/requests/${id}/decide`),
        page.click('#go'),
      ]);
      expect(response.status()).toBe(403);
      await page.waitForSelector('h1:has-text("Refused")');
    } finally {
      await new Promise((resolve) => attacker.close(resolve));
    }
    expect((await agent.api('GET', `/api/requests/${id}`)).body.status).toBe('pending');
    await page.context().close();
  });
});
