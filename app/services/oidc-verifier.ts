/**
 * Verifies GitHub Actions OIDC tokens (the job's `core.getIDToken(audience)`), so a workflow can
 * call the API without a stored secret. Signature against the issuer's JWKS, RS256 only, `iss`,
 * `aud`, `exp` required. Identity comes from the claims — never from `sub`, whose format GitHub
 * changes (new repositories get `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`).
 *
 * What a bearer can make the server fetch: jose keeps the key set for 10 minutes and refetches it
 * early for an unknown `kid` at most once per 30 s after a successful fetch, concurrent tokens
 * sharing one fetch. A failed fetch sets no such time, so on its own jose would fetch again for
 * every token while the issuer is down; here a failure refuses OIDC tokens for `failureCooldownMs`
 * (30 s) without fetching, and logs one line when it starts. So anyone's tokens cause at most about
 * two fetches a minute.
 */
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { RepositoryNameSchema } from '../../sdk/schemas.js';
import type { Logger } from '../logger.js';
import { AppError } from './app-error.js';

/** GitHub's issuer for Actions OIDC tokens on github.com. */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';
/** The audience when neither `AGENTGATE_OIDC_AUDIENCE` nor `AGENTGATE_PUBLIC_URL` is set. */
export const DEFAULT_OIDC_AUDIENCE = 'agentgate';

/** The facts of a verified token that AgentGate uses. Numbers arrive as strings in the claims. */
export interface OidcIdentity {
  /** `owner/name` of the repository whose workflow minted the token. */
  repository: string;
  repositoryId: string | null;
  /** The GitHub login that triggered the run. */
  actor: string;
  /** `owner/name/.github/workflows/x.yml@refs/heads/main` (or the workflow name when absent). */
  workflowRef: string;
  runId: string;
  runAttempt: string | null;
  sha: string;
  ref: string;
  environment: string | null;
  /** `job_workflow_ref`: the reusable workflow the job runs (GitHub sets it for every job). */
  jobWorkflowRef: string | null;
  /** `event_name`: what triggered the run (`push`, `pull_request`, `issue_comment`, …). */
  event: string | null;
}

export interface OidcVerifier {
  /** The `aud` a token must carry; announced as `oidcAudience` in `GET /health`. */
  readonly audience: string;
  /** The identity of a valid token; a 401 `AppError` saying what is wrong otherwise. */
  verify(token: string): Promise<OidcIdentity>;
}

export interface OidcVerifierOptions {
  issuer: string;
  audience: string;
  /** Where the issuer publishes its keys; default `<issuer>/.well-known/jwks`. */
  jwksUrl?: string | undefined;
  /** A key source instead of fetching `jwksUrl` (tests: jose's `createLocalJWKSet`). */
  keys?: JWTVerifyGetKey;
  log?: Logger;
  /** After the keys could not be fetched, how long tokens are refused without trying again (30 s). */
  failureCooldownMs?: number;
  now?: () => number;
}

const DEFAULT_FAILURE_COOLDOWN_MS = 30_000;

/** jose's codes for a token that does not fit the keys, as opposed to keys that could not be read. */
const TOKEN_FAULTS = new Set([
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JWS_INVALID',
  'ERR_JWT_INVALID',
]);

/** The keys could not be read recently; thrown without fetching while the cool-down lasts. */
class KeysUnavailable extends Error {
  readonly code = 'AGENTGATE_JWKS_UNAVAILABLE';
}

/** Allowed clock difference between the runner's issuer and us, in seconds. */
const CLOCK_TOLERANCE_S = 10;

/** Three base64url segments: the shape of a JWS compact token, which is all a JWT bearer can be. */
export const looksLikeJwt = (token: string): boolean =>
  /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);

export const jwksUrlOf = (issuer: string): string => `${issuer.replace(/\/+$/, '')}/.well-known/jwks`;

export function createOidcVerifier(options: OidcVerifierOptions): OidcVerifier {
  const { issuer, audience, log } = options;
  const jwksUrl = options.jwksUrl ?? jwksUrlOf(issuer);
  const keys = coolingDown(options.keys ?? createRemoteJWKSet(new URL(jwksUrl)), {
    cooldownMs: options.failureCooldownMs ?? DEFAULT_FAILURE_COOLDOWN_MS,
    now: options.now ?? Date.now,
    onFailure: (error, cooldownMs) =>
      log?.warn(
        { jwksUrl, reason: error instanceof Error ? error.message : String(error) },
        `OIDC: could not read the issuer's signing keys; refusing OIDC tokens for ${cooldownMs / 1000} s`,
      ),
  });
  return {
    audience,
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer,
          audience,
          algorithms: ['RS256'],
          requiredClaims: ['exp'],
          clockTolerance: CLOCK_TOLERANCE_S,
        }));
      } catch (error) {
        throw rejection(error, { issuer, audience, jwksUrl });
      }
      return identityOf(payload);
    },
  };
}

/**
 * `keys`, except that after a failure to read them (not a token that fits none) every call fails
 * at once for `cooldownMs`, and `onFailure` hears of each failure once.
 */
function coolingDown(
  keys: JWTVerifyGetKey,
  {
    cooldownMs,
    now,
    onFailure,
  }: { cooldownMs: number; now: () => number; onFailure: (error: unknown, cooldownMs: number) => void },
): JWTVerifyGetKey {
  let failedAt = Number.NEGATIVE_INFINITY;
  return async (header, token) => {
    if (now() - failedAt < cooldownMs)
      throw new KeysUnavailable('the signing keys could not be read recently');
    try {
      return await keys(header, token);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code !== 'string' || !TOKEN_FAULTS.has(code)) {
        // Concurrent tokens share jose's one fetch; only the first to fail starts the cool-down.
        if (now() - failedAt >= cooldownMs) {
          failedAt = now();
          onFailure(error, cooldownMs);
        }
      }
      throw error;
    }
  };
}

const unauthorized = (why: string) =>
  new AppError('unauthorized', `The GitHub Actions OIDC token was refused: ${why}`);

function rejection(
  error: unknown,
  { issuer, audience, jwksUrl }: { issuer: string; audience: string; jwksUrl: string },
): AppError {
  const code = (error as { code?: unknown } | null)?.code;
  const claim = (error as { claim?: unknown } | null)?.claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return unauthorized('it has expired; request a fresh one (they live about 5 minutes).');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'iss') return unauthorized(`it was not issued by ${issuer}.`);
      if (claim === 'aud') {
        return unauthorized(
          `its audience is not "${audience}"; request it with core.getIDToken('${audience}').`,
        );
      }
      if (claim === 'nbf' || claim === 'iat') return unauthorized('it is not valid yet.');
      return unauthorized(`its "${String(claim)}" claim is missing or invalid.`);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return unauthorized('its signature does not match the issuer’s key.');
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return unauthorized('it is signed with a key (kid) that the issuer does not publish.');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return unauthorized('it is not signed with RS256.');
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return unauthorized('it is not a well-formed JWT.');
    default:
      // The issuer's keys could not be fetched (timeout, network, not a JWKS), now or within the
      // cool-down. The client cannot fix that, but it is still not authenticated: 401, and the
      // operator learns why from the one log line of `coolingDown`.
      return unauthorized(
        `the issuer's signing keys could not be read from ${jwksUrl}; try again later or use an API key.`,
      );
  }
}

function identityOf(payload: JWTPayload): OidcIdentity {
  const text = (name: string): string | null => {
    const value = payload[name];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
  };
  const required = (name: string): string => {
    const value = text(name);
    if (!value) throw unauthorized(`it has no "${name}" claim; is it a GitHub Actions token?`);
    return value;
  };
  const repository = required('repository');
  if (!RepositoryNameSchema.safeParse(repository).success) {
    throw unauthorized(`its "repository" claim "${repository}" is not "owner/name".`);
  }
  return {
    repository,
    repositoryId: text('repository_id'),
    actor: required('actor'),
    workflowRef: text('workflow_ref') ?? text('workflow') ?? '',
    runId: required('run_id'),
    runAttempt: text('run_attempt'),
    sha: text('sha') ?? '',
    ref: text('ref') ?? '',
    environment: text('environment'),
    jobWorkflowRef: text('job_workflow_ref'),
    event: text('event_name'),
  };
}
