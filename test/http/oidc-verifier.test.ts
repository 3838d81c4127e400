import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../app/logger.js';
import { AppError } from '../../app/services/app-error.js';
import { createOidcVerifier, type OidcVerifier } from '../../app/services/oidc-verifier.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { actionsClaims, startOidcIssuer } from '../helpers/oidc-issuer.js';

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
  it('takes identity from the repository, actor, workflow_ref, run_id, sha, ref, environment, job_workflow_ref and event_name claims', async () => {
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
      jobWorkflowRef: 'acme/app/.github/workflows/deploy.yml@refs/heads/main',
      event: 'push',
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

describe('what bearers can make the server fetch', () => {
  /** A JWKS endpoint that always fails, counting its hits. */
  async function brokenJwks() {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits += 1;
      res.writeHead(503).end('down');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks`,
      hits: () => hits,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  /** A logger that keeps what was logged. */
  function recordingLog() {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    return { log: createLogger('info', stream), lines };
  }

  it('while the issuer’s keys cannot be read: one fetch and one short log line per cool-down', async () => {
    const issuer = await startOidcIssuer();
    const jwks = await brokenJwks();
    const clock = new ManualClock();
    const { log, lines } = recordingLog();
    try {
      const broken = createOidcVerifier({
        issuer: issuer.issuer,
        audience: 'agentgate',
        jwksUrl: jwks.url,
        log,
        now: () => clock.now().getTime(),
      });
      const tokens = await Promise.all(
        Array.from({ length: 20 }, (_, i) => issuer.mint(actionsClaims(), { kid: `k${i}` })),
      );
      for (const token of tokens) {
        await expect(broken.verify(token)).rejects.toThrow(/signing keys could not be read from http:/);
      }
      expect(jwks.hits()).toBe(1);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 40, jwksUrl: jwks.url, reason: expect.any(String) });
      expect(lines[0]?.msg).toMatch(/refusing OIDC tokens for 30 s/);
      expect(JSON.stringify(lines[0])).not.toMatch(/stack|\n {4}at /);

      clock.advance(30_000);
      await expect(broken.verify(tokens[0] as string)).rejects.toThrow(/signing keys could not be read/);
      expect(jwks.hits()).toBe(2);
      expect(lines).toHaveLength(2);
    } finally {
      await jwks.close();
      await issuer.close();
    }
  });

  it('tokens with ever new unknown kids do not refetch the keys each time', async () => {
    const issuer = await startOidcIssuer();
    try {
      const remote = createOidcVerifier({
        issuer: issuer.issuer,
        audience: 'agentgate',
        jwksUrl: issuer.jwksUrl,
      });
      await remote.verify(await issuer.mint());
      for (let i = 0; i < 20; i += 1) {
        const token = await issuer.mint(actionsClaims(), { kid: `rotated-${i}`, foreignKey: true });
        await expect(remote.verify(token)).rejects.toThrow(/kid/);
      }
      expect(issuer.jwksFetches()).toBe(1);
    } finally {
      await issuer.close();
    }
  });
});
