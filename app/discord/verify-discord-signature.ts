import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/** How far an interaction's timestamp may be from now before it is a replay (as Slack's: 5 minutes). */
const DISCORD_SIGNATURE_WINDOW_SECONDS = 300;

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo: a raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export type DiscordSignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'unsigned' | 'stale' | 'forged'; message: string };

export interface DiscordSignedRequest {
  publicKey: KeyObject;
  /** `X-Signature-Timestamp` (Unix seconds). */
  timestamp: string | undefined;
  /** `X-Signature-Ed25519` (hex). */
  signature: string | undefined;
  /** The body exactly as received, before any parsing. */
  rawBody: Buffer;
  /** Now, in Unix seconds. */
  now: number;
}

/** `DISCORD_PUBLIC_KEY` (64 hex characters, from the application's General Information page) as a key. */
export function discordPublicKey(hex: string): KeyObject {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error('a Discord public key is 64 hexadecimal characters');
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

/**
 * Discord's interaction signing: Ed25519 over `timestamp + raw body` with the application's key
 * (Node's own implementation). A timestamp more than five minutes from now is refused, so a
 * captured interaction cannot be replayed later.
 */
export function verifyDiscordSignature(request: DiscordSignedRequest): DiscordSignatureCheck {
  const { publicKey, timestamp, signature, rawBody, now } = request;
  if (!timestamp || !signature) {
    return {
      ok: false,
      reason: 'unsigned',
      message:
        'The request is not signed by Discord (X-Signature-Ed25519 and X-Signature-Timestamp are required).',
    };
  }
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > DISCORD_SIGNATURE_WINDOW_SECONDS) {
    return {
      ok: false,
      reason: 'stale',
      message: 'The request timestamp is more than five minutes away from now; it may be a replay.',
    };
  }
  const forged = {
    ok: false,
    reason: 'forged',
    message: 'The Discord signature does not match this request.',
  } as const;
  if (!/^[0-9a-f]{128}$/i.test(signature)) return forged;
  const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]);
  return verify(null, signed, publicKey, Buffer.from(signature, 'hex')) ? { ok: true } : forged;
}
