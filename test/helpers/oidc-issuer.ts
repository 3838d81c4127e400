/**
 * A local stand-in for GitHub's Actions OIDC provider: an issuer that publishes its RSA key at
 * `/.well-known/jwks` and mints RS256 tokens with a `kid`, plus the runner's token endpoint
 * (`ACTIONS_ID_TOKEN_REQUEST_URL`, answered `{value: <jwt>}` for `?api-version=…&audience=…`).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** Claims of a push to main in `acme/app`, as GitHub would put them in the token. */
export function actionsClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: 'repo:acme/app:ref:refs/heads/main',
    repository: 'acme/app',
    repository_id: '4242',
    repository_owner: 'acme',
    repository_owner_id: '77',
    repository_visibility: 'private',
    actor: 'octocat',
    actor_id: '583231',
    workflow: 'Deploy',
    workflow_ref: 'acme/app/.github/workflows/deploy.yml@refs/heads/main',
    workflow_sha: 'a'.repeat(40),
    job_workflow_ref: 'acme/app/.github/workflows/deploy.yml@refs/heads/main',
    run_id: '9001',
    run_number: '12',
    run_attempt: '1',
    runner_environment: 'github-hosted',
    event_name: 'push',
    ref: 'refs/heads/main',
    ref_type: 'branch',
    sha: 'b'.repeat(40),
    ...overrides,
  };
}

export interface MintOptions {
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative for an already expired token; null for none. Default 300, like GitHub's. */
  expiresIn?: number | null;
  kid?: string;
  /** Sign with a key the issuer does not publish. */
  foreignKey?: boolean;
}

export interface OidcIssuer {
  /** The `iss` of its tokens (its base URL). */
  issuer: string;
  jwksUrl: string;
  /** What the runner sets as `ACTIONS_ID_TOKEN_REQUEST_URL` (already has `?api-version=`). */
  tokenRequestUrl: string;
  /** What the runner sets as `ACTIONS_ID_TOKEN_REQUEST_TOKEN`. */
  tokenRequestToken: string;
  /** Claims of the tokens the token endpoint hands out (a job's identity). */
  runClaims: Record<string, unknown>;
  /** Audiences asked of the token endpoint, in order. */
  tokenRequests: string[];
  /** How often the JWKS was fetched. */
  jwksFetches(): number;
  mint(claims?: Record<string, unknown>, options?: MintOptions): Promise<string>;
  close(): Promise<void>;
}

export async function startOidcIssuer(): Promise<OidcIssuer> {
  const kid = `test-${randomBytes(4).toString('hex')}`;
  const own = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(own.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const tokenRequestToken = randomBytes(16).toString('hex');
  let jwksFetches = 0;

  const state = {
    issuer: '',
    runClaims: actionsClaims(),
    tokenRequests: [] as string[],
  };

  const sign = (claims: Record<string, unknown>, options: MintOptions, key: Key, keyId: string) => {
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = options.expiresIn === undefined ? 300 : options.expiresIn;
    const jwt = new SignJWT(claims as JWTPayload)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keyId })
      .setIssuer(options.issuer ?? state.issuer)
      .setAudience(options.audience ?? 'agentgate')
      .setIssuedAt(now - 5)
      .setNotBefore(now - 5)
      .setJti(randomBytes(8).toString('hex'));
    if (expiresIn !== null) jwt.setExpirationTime(now + expiresIn);
    return jwt.sign(key);
  };
  const mint = (claims: Record<string, unknown> = actionsClaims(), options: MintOptions = {}) =>
    sign(claims, options, options.foreignKey ? foreign.privateKey : own.privateKey, options.kid ?? kid);

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/jwks') {
      jwksFetches += 1;
      reply(200, { keys: [jwk] });
    } else if (url.pathname === '/token') {
      if (req.headers.authorization !== `Bearer ${tokenRequestToken}`) {
        reply(401, { message: 'bad request token' });
        return;
      }
      const audience = url.searchParams.get('audience') ?? 'https://github.com/acme';
      state.tokenRequests.push(audience);
      mint(state.runClaims, { audience }).then(
        (value) => reply(200, { count: 1, value }),
        (error: unknown) => reply(500, { message: String(error) }),
      );
    } else {
      reply(404, { message: 'not found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.issuer = base;

  return {
    issuer: base,
    jwksUrl: `${base}/.well-known/jwks`,
    tokenRequestUrl: `${base}/token?api-version=2.0`,
    tokenRequestToken,
    get runClaims() {
      return state.runClaims;
    },
    set runClaims(claims) {
      state.runClaims = claims;
    },
    tokenRequests: state.tokenRequests,
    jwksFetches: () => jwksFetches,
    mint,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
