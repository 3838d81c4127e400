/**
 * Console sign-in state in a signed cookie (HMAC-SHA256 with the session key): who is signed in (an
 * API key by id, or a GitHub login), a random session id, and an absolute expiry. Nothing secret is
 * in it: never the API key, only a check value that stops the session when the key is replaced. The
 * CSRF token of every form is derived from the session id, so it is tied to this session and
 * changes at each sign-in. Sign-out forgets the session id on this instance (docs/console.md).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { BoundedCache } from '../bounded-cache.js';

/** How long a sign-in lasts, whatever happens in between. */
const SESSION_LIFETIME_S = 8 * 60 * 60;
/** How long a visitor who is not signed in keeps the session that carries the login form's CSRF token. */
const ANONYMOUS_LIFETIME_S = 60 * 60;
/** Sessions signed out, remembered until they would have expired anyway. */
const MAX_SIGNED_OUT = 50_000;

const Base = { sid: z.string().min(16).max(64), exp: z.number().int() };
const SessionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('anonymous'), ...Base }),
  z.object({ kind: z.literal('key'), ...Base, keyId: z.string().min(1).max(200), keyCheck: z.string() }),
  z.object({ kind: z.literal('github'), ...Base, login: z.string().min(1).max(100), bot: z.boolean() }),
]);
export type Session = z.infer<typeof SessionSchema>;
type SessionInput =
  | { kind: 'anonymous' }
  | { kind: 'key'; keyId: string; keyCheck: string }
  | { kind: 'github'; login: string; bot: boolean };

const mac = (key: Buffer, text: string): string => createHmac('sha256', key).update(text).digest('base64url');

export const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export class ConsoleSessions {
  readonly #signedOut: BoundedCache<string, true>;

  constructor(
    private readonly keys: { session: Buffer; csrf: Buffer },
    private readonly now: () => number,
  ) {
    this.#signedOut = new BoundedCache({ max: MAX_SIGNED_OUT, ttlMs: SESSION_LIFETIME_S * 1000, now });
  }

  /** A new session (a new id, so a session from before sign-in is never promoted: no fixation). */
  create(input: SessionInput): Session {
    const lifetime = input.kind === 'anonymous' ? ANONYMOUS_LIFETIME_S : SESSION_LIFETIME_S;
    return {
      ...input,
      sid: randomBytes(18).toString('base64url'),
      exp: Math.floor(this.now() / 1000) + lifetime,
    } as Session;
  }

  /** The cookie value: `<payload>.<signature>`. */
  seal(session: Session): string {
    const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
    return `${payload}.${mac(this.keys.session, payload)}`;
  }

  /** The session of a cookie value, or null when it is absent, forged, expired or signed out. */
  open(cookie: string | undefined): Session | null {
    if (!cookie || cookie.length > 4096) return null;
    const [payload, signature, extra] = cookie.split('.');
    if (!payload || !signature || extra !== undefined) return null;
    if (!safeEqual(signature, mac(this.keys.session, payload))) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    const session = SessionSchema.safeParse(parsed);
    if (!session.success) return null;
    if (session.data.exp * 1000 <= this.now() || this.#signedOut.has(session.data.sid)) return null;
    return session.data;
  }

  signOut(session: Session): void {
    this.#signedOut.set(session.sid, true, Math.max(0, session.exp * 1000 - this.now()));
  }

  /** The CSRF token of every form of this session. */
  csrfToken(session: Session): string {
    return mac(this.keys.csrf, `csrf:${session.sid}`);
  }

  checkCsrf(session: Session | null, token: unknown): boolean {
    return session !== null && typeof token === 'string' && safeEqual(token, this.csrfToken(session));
  }

  /**
   * The OAuth `state` for a sign-in with GitHub: a nonce and where to go afterwards, signed together
   * with this session's id, so a callback is accepted only in the browser that started the sign-in.
   */
  oauthState(session: Session, next: string): string {
    const nonce = randomBytes(12).toString('base64url');
    const where = Buffer.from(next).toString('base64url');
    return `${nonce}.${where}.${mac(this.keys.csrf, `oauth:${session.sid}:${nonce}:${where}`)}`;
  }

  /** Where to go after the sign-in, when `state` is this session's; else null. */
  checkOauthState(session: Session | null, state: unknown): string | null {
    if (!session || typeof state !== 'string' || state.length > 1200) return null;
    const [nonce, where, signature, extra] = state.split('.');
    if (!nonce || where === undefined || !signature || extra !== undefined) return null;
    if (!safeEqual(signature, mac(this.keys.csrf, `oauth:${session.sid}:${nonce}:${where}`))) return null;
    return Buffer.from(where, 'base64url').toString('utf8');
  }

  /** What ties a key session to the key itself: a replaced ADMIN_API_KEY or key ends the session. */
  keyCheckOf(keyHash: string): string {
    return mac(this.keys.session, `key:${keyHash}`).slice(0, 22);
  }
}
