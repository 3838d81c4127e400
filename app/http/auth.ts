import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Scope } from '../../sdk/schemas.js';
import type { Clock } from '../ports/clock.js';
import type { Principal } from '../ports/store.js';
import type { ApiKeyService } from '../services/api-key-service.js';
import { AppError } from '../services/app-error.js';
import { principalOfOidc } from '../services/oidc-principal.js';
import { looksLikeJwt, type OidcVerifier } from '../services/oidc-verifier.js';
import { hasScope } from '../services/request-service.js';
import type { SlidingWindowRateLimiter } from './rate-limiter.js';

/** The authenticated principal of this request (set by `authenticate`). */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new AppError('unauthorized', 'Authentication is required.');
  return principal;
}

export interface Authenticator {
  keys: ApiKeyService;
  limiter: SlidingWindowRateLimiter;
  clock: Clock;
  /** Accepts GitHub Actions OIDC tokens as bearers; absent, only keys are accepted. */
  oidc?: OidcVerifier | undefined;
}

/**
 * Resolves the principal of an `Authorization: Bearer <key or GitHub Actions OIDC token>` header
 * and applies its rate limit, calling `setHeader` with the `X-RateLimit-*` headers. Throws a 401
 * or 429 `AppError`.
 */
export async function authenticateHeader(
  { keys, limiter, clock, oidc }: Authenticator,
  header: string | undefined,
  setHeader: (name: string, value: string) => void,
): Promise<Principal> {
  if (!header) {
    throw new AppError('unauthorized', 'Send an API key in the header "Authorization: Bearer agk_…".');
  }
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new AppError('unauthorized', 'Only "Authorization: Bearer <key>" is accepted.');
  }
  const principal = await principalOfBearer(keys, oidc, match[1]);
  if (principal.rateLimit !== null) {
    const rate = limiter.take(principal.keyId, principal.rateLimit, clock.now().getTime());
    setHeader('X-RateLimit-Limit', String(rate.limit));
    setHeader('X-RateLimit-Remaining', String(rate.remaining));
    setHeader('X-RateLimit-Reset', String(rate.resetSeconds));
    if (!rate.allowed) {
      throw new AppError(
        'rate_limited',
        `This key may make ${rate.limit} requests a minute; try again in ${rate.retryAfterSeconds} s.`,
        undefined,
        { 'Retry-After': String(rate.retryAfterSeconds) },
      );
    }
  }
  return principal;
}

/** A key (`agk_…` or the admin key), else a JWT-shaped token is taken for an Actions OIDC token. */
async function principalOfBearer(
  keys: ApiKeyService,
  oidc: OidcVerifier | undefined,
  token: string,
): Promise<Principal> {
  if (token.startsWith('agk_') || !looksLikeJwt(token)) return keys.authenticate(token);
  try {
    return await keys.authenticate(token); // an ADMIN_API_KEY may be any string, even JWT-shaped
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
  }
  if (!oidc) {
    throw new AppError(
      'unauthorized',
      'This server does not accept GitHub Actions OIDC tokens; send an AgentGate API key (agk_…).',
    );
  }
  return principalOfOidc(await oidc.verify(token));
}

/** Express middleware: sets the principal for `principalOf`. */
export function authenticate(authenticator: Authenticator): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.locals.principal = await authenticateHeader(authenticator, req.get('authorization'), (name, value) =>
      res.setHeader(name, value),
    );
    next();
  };
}

/** Throws a 403 unless the principal holds any of `scopes` (`admin` holds them all). */
export function assertScope(principal: Principal, scopes: readonly Scope[]): void {
  if (!scopes.some((scope) => hasScope(principal, scope))) {
    throw new AppError(
      'forbidden',
      `This key lacks the ${scopes.map((s) => `"${s}"`).join(' or ')} scope needed here; ask an admin for a key that has it.`,
    );
  }
}

/** Lets the request through when the principal holds any of `scopes`. */
export function requireScope(...scopes: Scope[]): RequestHandler {
  return (_req, res, next) => {
    assertScope(principalOf(res), scopes);
    next();
  };
}
