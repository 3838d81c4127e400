import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../app/services/app-error.js';
import { createOidcVerifier, type OidcVerifier } from '../../app/services/oidc-verifier.js';
import { actionsClaims } from '../helpers/oidc-issuer.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
let verifier: OidcVerifier;
let sign: (claims: Record<string, unknown>) => Promise<string>;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
  verifier = createOidcVerifier({
    issuer: ISSUER,
    audience: 'agentgate',
    keys: createLocalJWKSet({ keys: [jwk] }),
  });
  sign = (claims) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience('agentgate')
      .setExpirationTime('5m')
      .sign(privateKey);
});

describe('createOidcVerifier (with an injected key set)', () => {
  it('takes identity from the repository, actor, workflow_ref, run_id, sha, ref and environment claims', async () => {
    const identity = await verifier.verify(await sign(actionsClaims({ environment: 'production' })));
    expect(identity).toEqual({
      repository: 'acme/app',
      repositoryId: '4242',
      actor: 'octocat',
      workflowRef: 'acme/app/.github/workflows/deploy.yml@refs/heads/main',
      runId: '9001',
      runAttempt: '1',
      sha: 'b'.repeat(40),
      ref: 'refs/heads/main',
      environment: 'production',
    });
  });

  it('never reads identity from sub, whatever format it has', async () => {
    const identity = await verifier.verify(
      await sign(actionsClaims({ sub: 'repo:evil@1/other@2:environment:prod', run_id: 123 })),
    );
    expect(identity.repository).toBe('acme/app');
    expect(identity.runId).toBe('123');
  });

  it.each([
    [{ actor: undefined }, /no "actor" claim/],
    [{ repository: 'not a repository' }, /"repository" claim "not a repository" is not "owner\/name"/],
  ])('refuses claims %o with a 401', async (overrides, message) => {
    const attempt = verifier.verify(await sign(actionsClaims(overrides)));
    await expect(attempt).rejects.toThrow(AppError);
    await expect(verifier.verify(await sign(actionsClaims(overrides)))).rejects.toThrow(message);
  });
});
