/**
 * Authentication without a secret: the job's GitHub OIDC token, sent as the bearer of every call.
 * GitHub's tokens live about five minutes and a wait may last hours, so a fresh one is fetched
 * whenever the current one is within a minute of expiring.
 */
import type { FetchLike } from '../sdk/index.js';

const REFRESH_BEFORE_EXPIRY_MS = 60_000;

export class IdTokenSource {
  #token: { value: string; refreshAt: number } | null = null;

  constructor(
    private readonly fetchToken: (audience: string) => Promise<string>,
    /** The server's audience: its `oidcAudience` in `GET /health`, or the `audience` input. */
    private readonly audience: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    if (this.#token && this.now() < this.#token.refreshAt) return this.#token.value;
    let value: string;
    try {
      value = await this.fetchToken(this.audience);
    } catch (error) {
      const why = error instanceof Error ? error.message.replace(/^Error message: /, '') : String(error);
      throw new Error(
        `Could not get the job's OIDC token (${why}). Give the job "permissions: id-token: write" ` +
          '(see docs/action.md), or pass an AgentGate key in the "api-key" input.',
      );
    }
    const expiresAt = expiryOf(value);
    this.#token = {
      value,
      refreshAt:
        expiresAt === null ? this.now() + REFRESH_BEFORE_EXPIRY_MS : expiresAt - REFRESH_BEFORE_EXPIRY_MS,
    };
    return value;
  }

  /** A `fetch` that adds `Authorization: Bearer <fresh token>` to every call. */
  fetch(base: FetchLike = (input, init) => globalThis.fetch(input, init)): FetchLike {
    return async (input, init) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${await this.get()}`);
      return base(input, { ...init, headers });
    };
  }
}

/** `exp` of a JWT in ms, read without verifying (the server verifies); null when unreadable. */
function expiryOf(jwt: string): number | null {
  try {
    const payload: unknown = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    const exp = (payload as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}
