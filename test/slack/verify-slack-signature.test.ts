import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySlackSignature } from '../../app/slack/verify-slack-signature.js';

// Slack's documented example ("Verifying requests from Slack").
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TIMESTAMP = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

const check = (overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) =>
  verifySlackSignature({
    signingSecret: SECRET,
    timestamp: TIMESTAMP,
    signature: SIGNATURE,
    rawBody: BODY,
    now: Number(TIMESTAMP) + 10,
    ...overrides,
  });

describe('verifySlackSignature', () => {
  it("accepts Slack's documented test vector, as a string or as the raw bytes", () => {
    expect(check()).toEqual({ ok: true });
    expect(check({ rawBody: Buffer.from(BODY) })).toEqual({ ok: true });
  });

  it('accepts up to five minutes either way, and refuses beyond as a possible replay', () => {
    expect(check({ now: Number(TIMESTAMP) + 300 })).toEqual({ ok: true });
    expect(check({ now: Number(TIMESTAMP) - 300 })).toEqual({ ok: true });
    expect(check({ now: Number(TIMESTAMP) + 301 })).toMatchObject({ ok: false, reason: 'stale' });
    expect(check({ now: Number(TIMESTAMP) - 301 })).toMatchObject({ ok: false, reason: 'stale' });
    expect(check({ timestamp: 'soon' })).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('refuses a changed body, timestamp, secret or signature as forged', () => {
    expect(check({ rawBody: BODY.replace('roadrunner', 'coyote') })).toMatchObject({
      ok: false,
      reason: 'forged',
    });
    expect(check({ timestamp: String(Number(TIMESTAMP) + 1) })).toMatchObject({
      ok: false,
      reason: 'forged',
    });
    expect(check({ signingSecret: 'another-secret-entirely' })).toMatchObject({
      ok: false,
      reason: 'forged',
    });
    expect(check({ signature: SIGNATURE.replace(/.$/, '0') })).toMatchObject({ ok: false, reason: 'forged' });
    expect(check({ signature: 'v0=short' })).toMatchObject({ ok: false, reason: 'forged' });
    const v1 = `v1=${createHmac('sha256', SECRET).update(`v0:${TIMESTAMP}:${BODY}`).digest('hex')}`;
    expect(check({ signature: v1 })).toMatchObject({ ok: false, reason: 'forged' });
  });

  it('refuses an unsigned request', () => {
    expect(check({ signature: undefined })).toMatchObject({ ok: false, reason: 'unsigned' });
    expect(check({ timestamp: undefined })).toMatchObject({ ok: false, reason: 'unsigned' });
  });
});
