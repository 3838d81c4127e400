import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordRestApi } from '../../app/adapters/discord-rest-api.js';
import { createSlackWebApi } from '../../app/adapters/slack-web-api.js';
import { discordIntegration } from '../../app/discord/integration.js';
import { WEBHOOK_PATH } from '../../app/github/integration.js';
import { createOpenApiDocument, openApiPath, renderApiDoc, renderOpenApi } from '../../app/http/openapi.js';
import { createMcpHttpIntegration } from '../../app/mcp-http/http-integration.js';
import { slackIntegration } from '../../app/slack/integration.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const DOCS = join(import.meta.dirname, '../../docs');
const document = createOpenApiDocument() as {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
};
const documented = new Set(
  Object.entries(document.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  ),
);

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
}

/** Every (method, path) an express router serves, sub-routers included (express 5 keeps `rawPath`). */
function servedBy(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const methods = Object.keys(layer.route.methods);
      // `app.all`/`router.all` answer 405 for every other method (MCP, policy writes): not routes to document.
      if (methods.length > 10 || methods.includes('_all')) return [];
      const path = openApiPath(prefix + layer.route.path).replace(/(.)\/$/, '$1');
      return methods.map((method) => `${method.toUpperCase()} ${path}`);
    }
    const sub = layer.handle.stack;
    if (!sub) return [];
    const mounts = [layer.rawPath ?? '/'].flat();
    return mounts.flatMap((mount) => servedBy(sub, prefix + (mount === '/' ? '' : mount)));
  });
}

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    integrations: [
      createMcpHttpIntegration(),
      slackIntegration({
        api: createSlackWebApi({ token: 'xoxb-test', apiUrl: 'http://127.0.0.1:9/api/' }),
        signingSecret: 'slack-signing-secret',
        channel: null,
      }),
      discordIntegration({
        api: createDiscordRestApi({ token: 'discord-test-token', apiUrl: 'http://127.0.0.1:9/api' }),
        publicKey: 'a'.repeat(64),
        applicationId: null,
        channel: null,
        publicUrl: null,
      }),
    ],
  });
});
afterAll(() => t.close());

describe('docs/openapi.json and docs/api.md', () => {
  it('are what app/http/openapi.ts generates (run `npm run openapi` after changing a route or schema)', () => {
    expect(readFileSync(join(DOCS, 'openapi.json'), 'utf8')).toBe(renderOpenApi());
    const page = readFileSync(join(DOCS, 'api.md'), 'utf8');
    expect(page).toBe(renderApiDoc(page));
  });

  it('lists every route the server serves, and nothing it does not', () => {
    const app = t.server.app as unknown as { router: { stack: Layer[] } };
    const served = new Set([
      ...servedBy(app.router.stack),
      'GET /api/requests/{id}/wait', // served on node:http before express (app/http/wait-route.ts)
      `POST ${WEBHOOK_PATH}`, // mounted by the GitHub App integration, tested in test/github
    ]);
    expect(served.size).toBeGreaterThan(20);
    expect([...served].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !served.has(route))).toEqual([]);
  });

  it('answers each documented route (no "There is no …" 404)', async () => {
    for (const route of documented) {
      const [method, path] = route.split(' ') as [string, string];
      if (method === 'POST' && path !== '/api/requests') continue; // creating things is tested elsewhere
      const res = await fetch(`${t.url}${path.replace('{id}', 'req_unknown')}`, {
        method,
        headers: { authorization: `Bearer ${t.adminKey}` },
      });
      const text = await res.text();
      expect(text, route).not.toMatch(/There is no/);
    }
  });

  it('is OpenAPI 3.1 whose every $ref names a schema it defines', () => {
    const text = renderOpenApi();
    expect(JSON.parse(text).openapi).toBe('3.1.0');
    const refs = [...text.matchAll(/"\$ref": "#\/components\/schemas\/(\w+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(10);
    for (const name of refs) expect(document.components.schemas, name).toHaveProperty(name);
    expect(document.components.schemas).toHaveProperty('CreateRequestBody.properties.urgency.enum', [
      'low',
      'normal',
      'high',
      'critical',
    ]);
  });
});
