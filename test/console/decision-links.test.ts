/**
 * Signed decision links (`/d/<token>`): the token's signature, expiry and shape (unit), and over
 * HTTP that opening a link changes nothing, its POST votes once as the recipient, a used link stays
 * used across a restart (real SQLite file), and tampered, expired or unqualified links are refused.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Qualification } from '../../app/approvals/qualify-voter.js';
import { deriveConsoleKeys } from '../../app/console/console-keys.js';
import { signDecisionLink, verifyDecisionLink } from '../../app/console/decision-links.js';
import type { RequestRecord } from '../../app/ports/store.js';
import { apiClient, keyClient } from '../helpers/http.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const keys = deriveConsoleKeys('x'.repeat(40));
const link = { requestId: 'req_1', recipient: 'email:alice@example.com', decision: 'approve' as const };

describe('decision link tokens', () => {
  const now = new Date('2026-12-05T10:00:00Z');
  const inAnHour = new Date(now.getTime() + 3_600_000);

  it('verifies what it signed', () => {
    const token = signDecisionLink(keys.links, { ...link, expiresAt: inAnHour });
    const verified = verifyDecisionLink(keys.links, token, now);
    expect(verified).toMatchObject({ ok: true, link: { ...link, exp: inAnHour.getTime() / 1000 } });
  });

  it.each([
    [
      'a changed payload',
      (t: string) =>
        `${Buffer.from(JSON.stringify({ ...link, decision: 'deny', jti: 'x'.repeat(20), exp: 9e9 })).toString('base64url')}.${t.split('.')[1]}`,
      'bad_signature',
    ],
    ['a changed signature', (t: string) => `${t.slice(0, -2)}AA`, 'bad_signature'],
    [
      'another server’s key',
      () => signDecisionLink(deriveConsoleKeys('y'.repeat(40)).links, { ...link, expiresAt: inAnHour }),
      'bad_signature',
    ],
    ['a cut-short token', (t: string) => t.split('.')[0] as string, 'malformed'],
    ['an overlong token', () => 'a'.repeat(5000), 'malformed'],
  ])('refuses %s', (_name, mangle, problem) => {
    const token = mangle(signDecisionLink(keys.links, { ...link, expiresAt: inAnHour }));
    expect(verifyDecisionLink(keys.links, token, now)).toEqual({ ok: false, problem });
  });

  it('refuses an expired token', () => {
    const token = signDecisionLink(keys.links, { ...link, expiresAt: inAnHour });
    expect(verifyDecisionLink(keys.links, token, new Date(inAnHour.getTime() + 1))).toEqual({
      ok: false,
      problem: 'expired',
    });
  });
});

/** alice@example.com qualifies for every requirement; anyone else is not an approver. */
const qualifier = async (request: RequestRecord, recipient: string): Promise<Qualification> =>
  recipient === 'email:alice@example.com'
    ? { qualifiesFor: (request.review?.requirements ?? []).map((r) => r.rule), refusal: null }
    : { qualifiesFor: [], refusal: 'not_approver' };

describe('decision links over HTTP', () => {
  const tempDir = useTempDir('agentgate-links-');
  const secret = randomBytes(32).toString('base64url');
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = (databasePath?: string, withQualifier = true) =>
    startTestServer({
      webhooks: false,
      ...(databasePath && { databasePath }),
      console: { secret, ...(withQualifier && { decisionLinkQualifier: qualifier }) },
    });

  async function pending(s: TestServer): Promise<string> {
    const agent = await keyClient(s.url, s.adminKey, `agent-${Math.random()}`, ['request:create']);
    const created = await agent.api('POST', '/api/requests', {
      action: 'send_email',
      params: { to: '<b>x</b>' },
    });
    return created.body.id;
  }

  const urlFor = (
    s: TestServer,
    requestId: string,
    recipient = 'email:alice@example.com',
    expiresAt = new Date(Date.now() + 3_600_000),
  ) => {
    const make = s.console?.decisionLinkUrl;
    if (!make) throw new Error('console not started');
    return make({ requestId, recipient, decision: 'approve', expiresAt });
  };
  const tokenOf = (url: string) => url.slice(url.lastIndexOf('/d/') + 3);
  const confirm = (url: string, token = tokenOf(url)) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
  const statusOf = async (s: TestServer, id: string) =>
    (await apiClient(s.url, s.adminKey)('GET', `/api/requests/${id}`)).body;

  it('shows a confirm page on GET (nothing decided), votes once on POST, and refuses reuse after a restart', async () => {
    const path = join(tempDir(), 'agentgate.db');
    server = await start(path);
    const id = await pending(server);
    const url = urlFor(server, id);
    const unused = urlFor(server, await pending(server));

    const opened = await fetch(url);
    expect(opened.status).toBe(200);
    const page = await opened.text();
    expect(page).toContain('You are deciding as <strong>email:alice@example.com</strong>');
    expect(page).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect((await statusOf(server, id)).status).toBe('pending');

    const voted = await confirm(url);
    expect(voted.status).toBe(200);
    expect(await voted.text()).toContain('Your vote decided it: approved.');
    const decided = await statusOf(server, id);
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'email:alice@example.com' });
    expect(decided.review.votes[0]).toMatchObject({ voter: 'email:alice@example.com', source: 'email' });

    await server.close();
    server = await start(path);
    const reused = await confirm(url.replace(/^http:\/\/[^/]+/, server.url));
    expect(reused.status).toBe(409); // decided: the request is final
    const otherUse = await confirm(unused.replace(/^http:\/\/[^/]+/, server.url));
    expect(otherUse.status).toBe(200); // a link signed before the restart still works once…
    const again = await confirm(unused.replace(/^http:\/\/[^/]+/, server.url));
    expect([409, 410]).toContain(again.status); // …and only once
  });

  it('refuses a link used once even while its request is still pending (two approvals needed)', async () => {
    server = await startTestServer({
      webhooks: false,
      policies: {
        'p.yaml':
          'rules:\n  - name: two\n    if: { action: "send_email" }\n    decision: route_to_human\n    route: { approvers: { permission: write }, count: 2 }\n',
      },
      console: { secret, decisionLinkQualifier: qualifier },
    });
    const id = await pending(server);
    const url = urlFor(server, id);
    expect((await confirm(url)).status).toBe(200);
    const reused = await confirm(url);
    expect(reused.status).toBe(410);
    expect(await reused.text()).toContain('This link was already used');
  });

  it('refuses tampered, expired and unqualified links, and POSTs without the token', async () => {
    server = await start();
    const id = await pending(server);
    const tampered = `${urlFor(server, id).slice(0, -3)}abc`;
    expect((await fetch(tampered)).status).toBe(400);
    expect((await confirm(tampered)).status).toBe(400);
    const expired = urlFor(server, id, 'email:alice@example.com', new Date(Date.now() - 1000));
    const gone = await fetch(expired);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain('This link has expired');
    const stranger = await confirm(urlFor(server, id, 'email:mallory@example.com'));
    expect(stranger.status).toBe(403);
    expect(await stranger.text()).toContain('you are not one of the approvers of this request');
    const url = urlFor(server, id);
    const noToken = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(noToken.status).toBe(400);
    expect((await statusOf(server, id)).status).toBe('pending');
  });

  it('refuses every link when no channel supplies a qualifier', async () => {
    server = await start(undefined, false);
    const id = await pending(server);
    const res = await fetch(urlFor(server, id));
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Decision links are not enabled');
  });
});
