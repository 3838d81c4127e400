/**
 * `/metrics` stays the same size whatever paths callers send: the `route` label is the matched
 * route's pattern, and anything that matches no route shares one label.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

/** One of the casings of `word`, picked by the bits of `bits`. */
const casing = (word: string, bits: number) =>
  [...word].map((c, i) => ((bits >> i) & 1 ? c.toUpperCase() : c)).join('');

async function routeLabels(): Promise<string[]> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const labels = new Set<string>();
  for (const match of text.matchAll(/agentgate_http_request_duration_seconds_count\{[^}]*route="([^"]*)"/g)) {
    labels.add(match[1] as string);
  }
  return [...labels].sort();
}

describe('route labels', () => {
  it('do not grow with the casing, encoding or shape of the path', async () => {
    const admin = apiClient(t.url, t.adminKey);
    const anonymous = apiClient(t.url);
    const id = (await admin('POST', '/api/requests', { action: 'deploy:metrics' })).body.id;
    for (let bits = 0; bits < 64; bits += 1) {
      const word = casing('requests', bits);
      await admin('GET', `/api/${word}`);
      await anonymous('GET', `/api/${word}/${id}`);
      await admin('GET', `/API/${word}/${id}/audit`);
      await admin('GET', `/api/${word}/x${bits}/nothing/here`);
    }
    for (const path of [
      '/api/requests/',
      '/api/requests//',
      `/api/requests/${id}/`,
      '/api/%72equests',
      '/api/requests?status=nope',
      '/api/policies?repository=a/b',
      '/api/POLICIES',
      '/api/keys',
      '/api/Api-Keys',
      '/api/nothing',
      '/api/',
      '/api',
    ]) {
      await admin('GET', path);
    }
    await admin('POST', `/api/Requests/${id}/Decide`, { decision: 'nope' });
    await admin('POST', `/api/REQUESTS/${id}/DECIDE`, { decision: 'denied' });
    const labels = await routeLabels();
    expect(labels).toEqual([
      '/api/api-keys',
      '/api/keys',
      '/api/policies',
      '/api/requests',
      '/api/requests/:id',
      '/api/requests/:id/audit',
      '/api/requests/:id/decide',
      'unmatched',
    ]);
  });
});
