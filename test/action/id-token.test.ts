import { describe, expect, it } from 'vitest';
import { IdTokenSource } from '../../action/id-token.js';

const jwtExpiringAt = (seconds: number) =>
  `h.${Buffer.from(JSON.stringify({ exp: seconds })).toString('base64url')}.s`;

describe('IdTokenSource', () => {
  it('reuses the job token until a minute before it expires, then fetches a fresh one', async () => {
    let now = 1_000_000_000;
    const asked: string[] = [];
    const tokens = new IdTokenSource(
      async (audience) => {
        asked.push(audience);
        return jwtExpiringAt(now / 1000 + 300);
      },
      'https://gate.acme.dev',
      () => now,
    );
    const first = await tokens.get();
    now += 200_000;
    expect(await tokens.get()).toBe(first);
    now += 41_000;
    expect(await tokens.get()).not.toBe(first);
    expect(asked).toEqual(['https://gate.acme.dev', 'https://gate.acme.dev']);
  });

  it('sends the token as the bearer of every call', async () => {
    const tokens = new IdTokenSource(async () => jwtExpiringAt(Date.now() / 1000 + 300), 'agentgate');
    let seen: string | null = null;
    await tokens.fetch(async (_url, init) => {
      seen = new Headers(init.headers).get('authorization');
      return new Response('{}');
    })('http://server/api/requests', { method: 'GET', headers: { accept: 'application/json' } });
    expect(seen).toMatch(/^Bearer h\./);
  });

  it('says to add id-token: write when the runner gives no token', async () => {
    const tokens = new IdTokenSource(async () => {
      throw new Error('Error message: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
    }, 'agentgate');
    await expect(tokens.get()).rejects.toThrow(
      /Could not get the job's OIDC token \(Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable\)\. Give the job "permissions: id-token: write"/,
    );
  });
});
