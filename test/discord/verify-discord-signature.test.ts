import { describe, expect, it } from 'vitest';
import { discordPublicKey, verifyDiscordSignature } from '../../app/discord/verify-discord-signature.js';
import { makeDiscordSigner, signInteraction } from './discord-helpers.js';

const signer = makeDiscordSigner();
const publicKey = discordPublicKey(signer.publicKeyHex);
const NOW = 1_767_268_800;
const BODY = '{"type":1}';

const check = (timestamp: string | undefined, signature: string | undefined, body = BODY, now = NOW) =>
  verifyDiscordSignature({ publicKey, timestamp, signature, rawBody: Buffer.from(body), now });

describe('verifyDiscordSignature', () => {
  const signed = signInteraction(signer.privateKey, BODY, NOW);
  const ts = signed.headers['x-signature-timestamp'];
  const sig = signed.headers['x-signature-ed25519'];

  it('accepts what the application key signed, within five minutes either way', () => {
    expect(check(ts, sig)).toEqual({ ok: true });
    expect(check(ts, sig, BODY, NOW + 300)).toEqual({ ok: true });
    expect(check(ts, sig, BODY, NOW - 300)).toEqual({ ok: true });
  });

  it.each([
    ['no headers', undefined, undefined, BODY, NOW, 'unsigned'],
    ['no signature', ts, undefined, BODY, NOW, 'unsigned'],
    ['a stale timestamp', ts, sig, BODY, NOW + 301, 'stale'],
    ['a timestamp from the future', ts, sig, BODY, NOW - 301, 'stale'],
    ['a timestamp that is not a number', '1e9', sig, BODY, NOW, 'stale'],
    ['another body', ts, sig, '{"type":2}', NOW, 'forged'],
    ['another timestamp', String(NOW + 1), sig, BODY, NOW, 'forged'],
    ['a signature that is not hex', ts, 'zz'.repeat(64), BODY, NOW, 'forged'],
    ['a short signature', ts, sig?.slice(0, 64), BODY, NOW, 'forged'],
  ])('refuses %s', (_label, timestamp, signature, body, now, reason) => {
    expect(check(timestamp, signature, body, now)).toMatchObject({ ok: false, reason });
  });

  it('refuses what another key signed', () => {
    const other = makeDiscordSigner();
    const forged = signInteraction(other.privateKey, BODY, NOW);
    expect(
      check(forged.headers['x-signature-timestamp'], forged.headers['x-signature-ed25519']),
    ).toMatchObject({
      ok: false,
      reason: 'forged',
    });
  });

  it('reads the public key as Discord shows it (64 hex characters) and refuses anything else', () => {
    expect(() => discordPublicKey('abc')).toThrow(/64 hexadecimal/);
    expect(discordPublicKey(signer.publicKeyHex.toUpperCase()).asymmetricKeyType).toBe('ed25519');
  });
});
