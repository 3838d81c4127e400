/**
 * The console's signing keys, each derived from the one server secret (`AGENTGATE_SECRET`, or the
 * secret the server generated and kept: docs/console.md, "The server secret") for one purpose
 * only, so a session cookie can never pass for a decision link or a CSRF token.
 */
import { hkdfSync } from 'node:crypto';

export interface ConsoleKeys {
  /** Signs session cookies. */
  session: Buffer;
  /** Derives each session's CSRF token and the OAuth `state`. */
  csrf: Buffer;
  /** Signs decision links (`/d/<token>`). */
  links: Buffer;
}

const derive = (secret: string, purpose: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, 'agentgate-console', purpose, 32));

export function deriveConsoleKeys(secret: string): ConsoleKeys {
  if (secret.length < 32) throw new Error('the console secret must be at least 32 characters');
  return {
    session: derive(secret, 'session cookie v1'),
    csrf: derive(secret, 'csrf token v1'),
    links: derive(secret, 'decision link v1'),
  };
}
