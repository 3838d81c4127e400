import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

/** The receiver a user copies from docs/webhooks.md, run as written. */
const readme = readFileSync(fileURLToPath(new URL('../../docs/webhooks.md', import.meta.url)), 'utf8');
const section = readme.slice(readme.indexOf('Verify before trusting a delivery'));
const example = /```js\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
const file = fileURLToPath(new URL('./.readme-receiver.tmp.mjs', import.meta.url));

let t: TestServer;
let server: Server;
const logged: unknown[][] = [];

beforeAll(async () => {
  t = await startTestServer();
  writeFileSync(file, `${example}\nexport default app;\n`);
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args));
  process.env.AGENTGATE_WEBHOOK_SECRET = 'readme-secret-of-enough-length';
  const { default: app } = await import(file);
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return () => spy.mockRestore();
});
afterAll(async () => {
  rmSync(file, { force: true });
  server?.close();
  await t.close();
});

describe('the docs/webhooks.md receiver example', () => {
  it('accepts a real signed delivery once and refuses a forged one', async () => {
    expect(example).toContain('timingSafeEqual');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/agentgate`;
    const admin = apiClient(t.url, t.adminKey);
    const hook = await admin('POST', '/api/webhooks', {
      url,
      events: ['request.created'],
      secret: 'readme-secret-of-enough-length',
    });
    const ping = await admin('POST', `/api/webhooks/${hook.body.id}/test`, {});
    expect(ping.body).toMatchObject({ status: 'delivered', responseStatus: 204 });

    const request = (await admin('POST', '/api/requests', { action: 'deploy:prod' })).body;
    await until(() => logged.some((args) => args[1] === request.id));
    expect(logged).toContainEqual(['request.created', request.id, 'pending']);

    const forged = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-agentgate-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-agentgate-signature': `sha256=${'0'.repeat(64)}`,
      },
      body: '{"event":"request.created"}',
    });
    expect(forged.status).toBe(401);
  });
});
