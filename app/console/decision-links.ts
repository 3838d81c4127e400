/**
 * Signed decision links (`/d/<token>`) for people who may not be signed in (the email channel): the
 * token names the request, the recipient (`email:alice@example.com`) and the decision, expires, and
 * is used once (its id is claimed in the store when the vote is cast, so a restart does not make it
 * usable again). Opening the link only shows a confirm page; its POST casts the vote. The token is
 * `<payload>.<HMAC-SHA256 signature>` with the links key (console-keys.ts), both base64url.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { safeEqual } from './session.js';

const DecisionLinkSchema = z.object({
  /** Token id: what is claimed when the link is used. */
  jti: z.string().min(16).max(64),
  requestId: z.string().min(1).max(200),
  /** Who votes: `email:alice@example.com` (the `voter` of the vote). */
  recipient: z.string().min(3).max(320),
  decision: z.enum(['approve', 'deny']),
  /** Unix seconds. */
  exp: z.number().int().positive(),
});
export type DecisionLink = z.infer<typeof DecisionLinkSchema>;

/** Longest token accepted before anything is parsed. */
const MAX_TOKEN = 2048;

export type DecisionLinkProblem = 'malformed' | 'bad_signature' | 'expired';

const sign = (key: Buffer, payload: string): string =>
  createHmac('sha256', key).update(`decision-link:${payload}`).digest('base64url');

/** A token for `link` (its `jti` generated), valid until `expiresAt`. */
export function signDecisionLink(
  key: Buffer,
  link: Omit<DecisionLink, 'jti' | 'exp'> & { expiresAt: Date },
): string {
  const { expiresAt, ...rest } = link;
  const payload: DecisionLink = DecisionLinkSchema.parse({
    ...rest,
    jti: randomBytes(16).toString('base64url'),
    exp: Math.floor(expiresAt.getTime() / 1000),
  });
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${encoded}.${sign(key, encoded)}`;
}

/** The link a token names, or why it is refused. Whether it was used already is the store's to say. */
export function verifyDecisionLink(
  key: Buffer,
  token: string,
  now: Date,
): { ok: true; link: DecisionLink } | { ok: false; problem: DecisionLinkProblem } {
  if (token.length > MAX_TOKEN) return { ok: false, problem: 'malformed' };
  const [encoded, signature, extra] = token.split('.');
  if (!encoded || !signature || extra !== undefined) return { ok: false, problem: 'malformed' };
  if (!safeEqual(signature, sign(key, encoded))) return { ok: false, problem: 'bad_signature' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  const parsed = DecisionLinkSchema.safeParse(json);
  if (!parsed.success) return { ok: false, problem: 'malformed' };
  if (parsed.data.exp * 1000 <= now.getTime()) return { ok: false, problem: 'expired' };
  return { ok: true, link: parsed.data };
}

/** The store claim that makes a link single-use (`claimGitHubKey`: one table of "done once" keys). */
export const decisionLinkClaim = (link: DecisionLink): string => `decision-link:${link.jti}`;
