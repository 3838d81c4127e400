/** An interactions client for tests: signs clicks and pings as Discord does, with a key made here. */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

export interface DiscordSigner {
  /** `DISCORD_PUBLIC_KEY`: the raw public key, hex. */
  publicKeyHex: string;
  privateKey: KeyObject;
}

export function makeDiscordSigner(): DiscordSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKeyHex: der.subarray(der.length - 32).toString('hex'), privateKey };
}

export interface SignedInteraction {
  body: string;
  headers: Record<string, string>;
}

/** Signs `body` at `at` (Unix seconds) as Discord does: Ed25519 over timestamp + body. */
export function signInteraction(privateKey: KeyObject, body: string, at: number): SignedInteraction {
  const timestamp = String(Math.floor(at));
  const signature = sign(null, Buffer.from(timestamp + body), privateKey).toString('hex');
  return {
    body,
    headers: { 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp },
  };
}

/** A button click as Discord sends it, in a guild (the clicker under `member.user`). */
export function clickBody(
  requestId: string,
  userId: string,
  decision: 'approve' | 'deny',
  { applicationId = '423456789012345678', bot = false, channelId = '523456789012345678' } = {},
): string {
  return JSON.stringify({
    id: '623456789012345678',
    application_id: applicationId,
    type: 3,
    token: 'interaction-token',
    version: 1,
    guild_id: '723456789012345678',
    channel_id: channelId,
    data: { custom_id: `agentgate:${decision}:${requestId}`, component_type: 2 },
    member: {
      user: { id: userId, username: `user${userId.slice(-4)}`, ...(bot && { bot: true }) },
      roles: [],
    },
    message: { id: '823456789012345678', channel_id: channelId },
  });
}
