import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Scope } from '../../sdk/schemas.js';
import type { Clock } from '../ports/clock.js';
import type { Principal } from '../ports/store.js';
import type { ApiKeyService } from '../services/api-key-service.js';
import { AppError } from '../services/app-error.js';
import { hasScope } from '../services/request-service.js';
import type { SlidingWindowRateLimiter } from './rate-limiter.js';

/** The authenticated principal of this request (set by `authenticate`). */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new AppError('unauthorized', 'Authentication is required.');
  return principal;
}

/** Reads `Authorization: Bearer <key>`, resolves the principal and applies its rate limit. */
export function authenticate(
  keys: ApiKeyService,
  limiter: SlidingWindowRateLimiter,
  clock: Clock,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (!header) {
      throw new AppError('unauthorized', 'Send an API key in the header "Authorization: Bearer agk_…".');
    }
    const match = /^Bearer +(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      throw new AppError('unauthorized', 'Only "Authorization: Bearer <key>" is accepted.');
    }
    const principal = await keys.authenticate(match[1]);
    if (principal.rateLimit !== null) {
      const rate = limiter.take(principal.keyId, principal.rateLimit, clock.now().getTime());
      res.setHeader('X-RateLimit-Limit', String(rate.limit));
      res.setHeader('X-RateLimit-Remaining', String(rate.remaining));
      res.setHeader('X-RateLimit-Reset', String(rate.resetSeconds));
      if (!rate.allowed) {
        throw new AppError(
          'rate_limited',
          `This key may make ${rate.limit} requests a minute; try again in ${rate.retryAfterSeconds} s.`,
          undefined,
          { 'Retry-After': String(rate.retryAfterSeconds) },
        );
      }
    }
    res.locals.principal = principal;
    next();
  };
}

/** Lets the request through when the principal holds any of `scopes` (`admin` holds them all). */
export function requireScope(...scopes: Scope[]): RequestHandler {
  return (_req, res, next) => {
    const principal = principalOf(res);
    if (!scopes.some((scope) => hasScope(principal, scope))) {
      throw new AppError(
        'forbidden',
        `This key lacks the ${scopes.map((s) => `"${s}"`).join(' or ')} scope needed here; ask an admin for a key that has it.`,
      );
    }
    next();
  };
}
