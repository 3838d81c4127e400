/**
 * End to end as deployed: `agentgate serve` configured only through its environment
 * (AGENTGATE_OIDC_ISSUER, no JWKS URL: `<issuer>/.well-known/jwks`), and the bundle run as the
 * runner runs it, with its token from the runner's token endpoint.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../helpers/http.js';
import { actionsClaims, type OidcIssuer, startOidcIssuer } from '../helpers/oidc-issuer.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { inputEnv, runEnv, startAction } from './run-action.js';

const tempDir = useTempDir('agentgate-action-e2e-');
const ADMIN = 'agk_action-e2e-admin-key-0123456789abcdef';
let issuer: OidcIssuer;
let server: ServerProcess;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  const dir = tempDir();
  mkdirSync(join(dir, 'policies'));
  server = await startServerProcess({
    DATABASE_URL: join(dir, 'agentgate.db'),
    AGENTGATE_POLICY_DIR: join(dir, 'policies'),
    ADMIN_API_KEY: ADMIN,
    AGENTGATE_OIDC_ISSUER: issuer.issuer,
  });
});
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await issuer.close();
});

describe('the Action against `agentgate serve`', () => {
  it('asks with the job token, waits, and passes once approved', async () => {
    issuer.runClaims = actionsClaims({ run_id: '5150' });
    const action = startAction({
      ...runEnv({ GITHUB_RUN_ID: '5150' }),
      ACTIONS_ID_TOKEN_REQUEST_URL: issuer.tokenRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.tokenRequestToken,
      ...inputEnv({ 'server-url': server.url, action: 'deploy:production', params: 'version: "1.4.2"' }),
    });
    await action.waitForOutput(/It expires at/);
    const id = action.state().requestId as string;
    const admin = apiClient(server.url, ADMIN);
    expect((await admin('GET', `/api/requests/${id}`)).body).toMatchObject({
      repository: 'acme/app',
      requester: { type: 'github_actions', actor: 'octocat', runId: '5150' },
    });
    await admin('POST', `/api/requests/${id}/decide`, { decision: 'approved', reason: 'go' });
    expect(await action.exited).toBe(0);
    expect(action.outputs()).toMatchObject({
      'request-id': id,
      status: 'approved',
      'decided-by': 'api:admin',
    });
  });

  it('refuses expired and wrong-audience tokens with 401', async () => {
    for (const token of [
      await issuer.mint(actionsClaims(), { expiresIn: -30 }),
      await issuer.mint(actionsClaims(), { audience: 'sts.amazonaws.com' }),
    ]) {
      const res = await apiClient(server.url, token)('POST', '/api/requests', { action: 'deploy' });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthorized');
    }
  });
});
