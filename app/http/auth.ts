import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Scope } from '../../sdk/schemas.js';
import type { Clock } from '../ports/clock.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { Principal } from '../ports/store.js';
import type { ApiKeyService } from '../services/api-key-service.js';
import { AppError } from '../services/app-error.js';
import { principalOfOidc } from '../services/oidc-principal.js';
import { looksLikeJwt, type OidcVerifier } from '../services/oidc-verifier.js';
import { hasScope } from '../services/request-service.js';

/** The authenticated principal of this request (set by `authenticate`). */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new AppError('unauthorized', 'Authentication is required.');
  return principal;
}

export interface Authenticator {
  keys: ApiKeyService;
  /** In memory for one instance; shared through PostgreSQL for many (docs/operations.md). */
  limiter: RateLimiter;
  clock: Clock;
  /** Accepts GitHub Actions OIDC tokens as bearers; absent, only keys are accepted. */
  oidc?: OidcVerifier | undefined;
  /** Calls already charged to their key (the MCP endpoint's tools calling this API). */
  prepaid?: PrepaidCalls | undefined;
}

/** The header that carries a `PrepaidCalls` ticket on an inner call. */
export const PREPAID_HEADER = 'X-AgentGate-Prepaid';

/**
 * Calls a request has already paid for. The MCP endpoint charges its caller's rate limit once per
 * JSON-RPC message, then its tools call this API with the caller's own key plus a ticket from
 * here: those inner calls are still authenticated and scope-checked (a revoked key stops at once)
 * but not charged a second time. A ticket is 256 random bits that never leave the process (the
 * tools call 127.0.0.1), lives only as long as the MCP request, and waives only the charge of the
 * key that paid. Past `max` live tickets none is issued and inner calls are charged: counting
 * twice, never a bypass.
 */
export class PrepaidCalls {
  readonly #tickets = new Map<string, string>();

  constructor(private readonly max = 10_000) {}

  /** A ticket for calls made on behalf of `keyId`'s current request; `release` it when that ends. */
  issue(keyId: string): { ticket: string; release: () => void } | null {
    if (this.#tickets.size >= this.max) return null;
    const ticket = randomBytes(32).toString('base64url');
    this.#tickets.set(ticket, keyId);
    return { ticket, release: () => this.#tickets.delete(ticket) };
  }

  waives(ticket: string | undefined, keyId: string): boolean {
    return ticket !== undefined && this.#tickets.get(ticket) === keyId;
  }

  get size(): number {
    return this.#tickets.size;
  }
}

/**
 * Resolves the principal of an `Authorization: Bearer <key or GitHub Actions OIDC token>` header
 * and applies its rate limit (unless `ticket` says the call is prepaid), calling `setHeader` with
 * the `X-RateLimit-*` headers. Throws a 401 or 429 `AppError`.
 */
export async function authenticateHeader(
  authenticator: Authenticator,
  header: string | undefined,
  setHeader: (name: string, value: string) => void,
  ticket?: string,
): Promise<Principal> {
  const { keys, oidc, prepaid } = authenticator;
  if (!header) {
    throw new AppError('unauthorized', 'Send an API key in the header "Authorization: Bearer agk_…".');
  }
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new AppError('unauthorized', 'Only "Authorization: Bearer <key>" is accepted.');
  }
  const principal = await principalOfBearer(keys, oidc, match[1]);
  if (!prepaid?.waives(ticket, principal.keyId)) await chargeRateLimit(authenticator, principal, setHeader);
  return principal;
}

/** Takes one request from the principal's rate limit (if it has one), or throws a 429. */
export async function chargeRateLimit(
  { limiter, clock }: Authenticator,
  principal: Principal,
  setHeader: (name: string, value: string) => void,
): Promise<void> {
  if (principal.rateLimit === null) return;
  const rate = await limiter.take(principal.keyId, principal.rateLimit, clock.now().getTime());
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
    res.locals.principal = await authenticateHeader(
      authenticator,
      req.get('authorization'),
      (name, value) => res.setHeader(name, value),
      req.get(PREPAID_HEADER),
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
