/**
 * Verifies GitHub Actions OIDC tokens (the job's `core.getIDToken(audience)`), so a workflow can
 * call the API without a stored secret. Signature against the issuer's JWKS (fetched once, cached
 * and refreshed by jose when an unknown `kid` shows up), RS256 only, `iss`, `aud`, `exp` required.
 * Identity comes from the claims — never from `sub`, whose format GitHub changes (new repositories get `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`).
 */
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { RepositoryNameSchema } from '../../sdk/schemas.js';
import type { Logger } from '../logger.js';
import { AppError } from './app-error.js';

/** GitHub's issuer for Actions OIDC tokens on github.com. */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';
/** The audience the AgentGate Action asks for (`core.getIDToken('agentgate')`). */
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
}

export interface OidcVerifier {
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
  const keys = options.keys ?? createRemoteJWKSet(new URL(jwksUrl));
  return {
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
        throw rejection(error, { issuer, audience, jwksUrl, log });
      }
      return identityOf(payload);
    },
  };
}

const unauthorized = (why: string) =>
  new AppError('unauthorized', `The GitHub Actions OIDC token was refused: ${why}`);

function rejection(
  error: unknown,
  { issuer, audience, jwksUrl, log }: { issuer: string; audience: string; jwksUrl: string; log?: Logger },
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
      // The issuer's keys could not be fetched (timeout, network, not a JWKS). The client cannot fix
      // that, but it is still not authenticated: 401, and the operator learns why from the log.
      log?.warn({ err: error, jwksUrl }, 'OIDC: could not read the issuer’s signing keys');
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
  };
}
