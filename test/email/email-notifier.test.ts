import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../app/adapters/smtp-mailer.js';
import { emailIntegration } from '../../app/email/integration.js';
import { createLogger } from '../../app/logger.js';
import { type SmtpSink, startSmtpSink } from '../fakes/smtp-sink.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const POLICY = `
rules:
  - name: big-payments
    description: Payments over 1,000 need two people from finance
    if: { action: "payments.*" }
    decision: route_to_human
    route:
      approvers: { email: [Alice@Example.com, bob@example.com] }
      count: 2
      notify: { email: [alice@example.com, bob@example.com, audit@example.com] }
  - name: deploys
    description: Production deploys need one on-call engineer
    if: { action: "deploy:*" }
    decision: route_to_human
    route:
      approvers: { email: [oncall@example.com], users: [octocat] }
  - name: reads
    if: { action: "read_*" }
    decision: auto_approve
`;

let smtp: SmtpSink;
let t: TestServer;
let clock: ManualClock;
let admin: Api;
let agent: Api;
/** Every log line the server writes. */
const lines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});

beforeAll(async () => {
  smtp = await startSmtpSink();
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  t = await startTestServer({
    log: createLogger('info', sink),
    clock,
    policies: { 'p.yaml': POLICY },
    integrations: [
      emailIntegration({
        mailer: createSmtpMailer({
          settings: {
            smtp: { url: smtp.url, requireTLS: false },
            from: 'AgentGate <gate@agentgate.example.com>',
          },
          timeoutMs: 5000,
        }),
        from: 'AgentGate <gate@agentgate.example.com>',
        publicUrl: 'https://gate.example.com',
        // The console's signed links, as the console will provide them; none for bob (the fallback).
        decisionLink: (requestId, recipient, decision) =>
          recipient.startsWith('bob')
            ? null
            : `https://gate.example.com/d/token-${requestId}-${recipient}-${decision}`,
        baseDelayMs: 1000,
        maxAttempts: 5,
      }),
    ],
  });
  admin = apiClient(t.url, t.adminKey);
  agent = (await keyClient(t.url, t.adminKey, 'agent', ['request:create', 'request:read'])).api;
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});

async function settle() {
  for (let quiet = 0; quiet < 2; ) {
    await t.server.jobs.idle();
    quiet = (await t.server.jobs.runOnce()) === 0 ? quiet + 1 : 0;
  }
}

const mailsAbout = (requestId: string, address: string) =>
  smtp.mailsTo(address).filter((m) => m.parsed.headers.get('x-agentgate-request') === requestId);

async function metric(outcome: string): Promise<number> {
  const text = await (
    await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminKey}` } })
  ).text();
  return Number(
    new RegExp(`agentgate_email_messages_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0,
  );
}

describe('email to approvers', () => {
  it('mails every address a rule names, with text and HTML parts, why, expiry and a per-recipient way to decide', async () => {
    const { body: request } = await agent('POST', '/api/requests', {
      action: 'payments.transfer',
      params: { amount: 25000, currency: 'EUR' },
      urgency: 'high',
      timeout: '4h',
    });
    await settle();
    for (const address of ['alice@example.com', 'bob@example.com', 'audit@example.com']) {
      expect(mailsAbout(request.id, address)).toHaveLength(1);
    }
    expect(smtp.logins.every((l) => l.ok && l.user === 'agentgate')).toBe(true);
    const [alice] = mailsAbout(request.id, 'alice@example.com');
    const mail = alice?.parsed;
    expect(mail?.subject).toBe('[AgentGate] Approval needed: payments.transfer');
    expect(mail?.from?.value).toEqual([{ name: 'AgentGate', address: 'gate@agentgate.example.com' }]);
    expect(mail?.messageId).toMatch(
      new RegExp(`^<${request.id}\\.pending\\.[0-9a-f]{12}@agentgate\\.example\\.com>$`),
    );
    expect(mail?.headers.get('auto-submitted')).toBe('auto-generated');
    const text = mail?.text ?? '';
    for (const expected of [
      'An agent asks to run payments.transfer, and a policy says a person must decide first.',
      'Urgency:                   high',
      'Requested by:              API key agent',
      'Expires:                   2026-01-01 16:00 UTC',
      'big-payments: Payments over 1,000 need two people from finance',
      'big-payments needs 2 approvals from Alice@Example.com or bob@example.com. The requester cannot approve.',
      '"amount": 25000',
      `Approve: https://gate.example.com/d/token-${request.id}-alice@example.com-approve`,
      `Deny:    https://gate.example.com/d/token-${request.id}-alice@example.com-deny`,
    ]) {
      expect(text).toContain(expected);
    }
    expect(mail?.html).toContain(
      `<a href="https://gate.example.com/d/token-${request.id}-alice@example.com-deny"`,
    );
    expect(mail?.html).toContain('Payments over 1,000 need two people from finance');

    // No decision link for bob (the factory had none): the request page and the CLI commands.
    const bob = mailsAbout(request.id, 'bob@example.com')[0]?.parsed.text ?? '';
    expect(bob).toContain(`Open the request: https://gate.example.com/requests/${request.id}`);
    expect(bob).toContain(`agentgate approve ${request.id}`);
    expect(bob).toContain(`agentgate deny ${request.id} --reason`);
    expect(bob).not.toContain('/d/');
    // audit@ is told, but may not decide: it never gets a link that decides.
    const audit = mailsAbout(request.id, 'audit@example.com')[0]?.parsed.text ?? '';
    expect(audit).not.toContain('/d/');
    expect(audit).toContain(`https://gate.example.com/requests/${request.id}`);

    const events = (await admin('GET', `/api/requests/${request.id}/audit`)).body;
    expect(events.filter((e: any) => e.eventType === 'reflected' && e.details.via === 'email')).toHaveLength(
      3,
    );
  });

  it('gives no decision link to the person the request was made for', async () => {
    const request = (
      await agent('POST', '/api/requests', {
        action: 'payments.self',
        context: { onBehalfOf: 'email:ALICE@example.com' },
      })
    ).body;
    await settle();
    const alice = mailsAbout(request.id, 'alice@example.com')[0]?.parsed.text ?? '';
    expect(alice).not.toContain('/d/');
    expect(alice).toContain('On behalf of (unverified): email:ALICE@example.com');
    expect(mailsAbout(request.id, 'bob@example.com')).toHaveLength(1);
  });

  it('mails the approvers a rule lists when it names no notify.email, and nothing for requests a policy decided', async () => {
    const before = smtp.received.length;
    await agent('POST', '/api/requests', { action: 'read_file' });
    const deploy = (await agent('POST', '/api/requests', { action: 'deploy:prod' })).body;
    await settle();
    expect(smtp.received.length).toBe(before + 1);
    expect(mailsAbout(deploy.id, 'oncall@example.com')).toHaveLength(1);
  });

  it('follows up in the same thread when the request is decided or expires', async () => {
    const decided = (await agent('POST', '/api/requests', { action: 'payments.refund' })).body;
    const expiring = (await agent('POST', '/api/requests', { action: 'payments.fee', timeout: 60 })).body;
    await settle();
    await admin('POST', `/api/requests/${decided.id}/decide`, {
      decision: 'denied',
      reason: 'Not this quarter',
    });
    clock.advance(61_000);
    await t.server.requests.expireDue();
    await settle();

    const [first, followUp] = mailsAbout(decided.id, 'alice@example.com').map((m) => m.parsed);
    expect(followUp?.subject).toBe('Re: [AgentGate] Approval needed: payments.refund');
    expect(followUp?.inReplyTo).toBe(first?.messageId);
    expect(followUp?.references).toEqual(first?.messageId);
    expect(followUp?.text).toContain('The request to run payments.refund was denied by API key admin');
    expect(followUp?.text).toContain(
      'Note: an operator override through the AgentGate API, with 0 of 2 approvals the policy asks for; the approvers did not decide it.',
    );
    expect(followUp?.text).toContain('Reason: Not this quarter');

    const expired = mailsAbout(expiring.id, 'bob@example.com').map((m) => m.parsed);
    expect(expired).toHaveLength(2);
    expect(expired[1]?.text).toContain('expired: nobody decided in time');
    expect(expired[1]?.inReplyTo).toBe(expired[0]?.messageId);
  });

  it('shows hostile params as inert text: escaped in HTML, literal in plain text', async () => {
    const hostile =
      '<script>alert(1)</script><img src=x onerror=alert(2)>"><a href="https://evil.example">click</a>';
    const request = (
      await agent('POST', '/api/requests', {
        action: 'payments.x',
        params: { note: hostile },
        context: { ticket: '</pre><h1>urgent</h1>' },
      })
    ).body;
    await settle();
    const mail = mailsAbout(request.id, 'alice@example.com')[0]?.parsed;
    const html = String(mail?.html);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('href="https://evil.example"');
    expect(html).not.toContain('<h1>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;/pre&gt;&lt;h1&gt;urgent&lt;/h1&gt;');
    expect(mail?.text).toContain('<script>alert(1)</script>'); // plain text is shown, never run
    expect(mail?.text).toContain('Context from the agent (unverified)');
  });

  it('delays mail through an SMTP outage and loses none', async () => {
    await smtp.stop();
    const deferredBefore = await metric('deferred');
    const created = await agent('POST', '/api/requests', {
      action: 'payments.payroll',
      params: { run: 'jan' },
    });
    expect(created.status).toBe(201); // the request does not wait for the mail
    await settle();
    expect(mailsAbout(created.body.id, 'alice@example.com')).toHaveLength(0);
    const jobs = (await t.store.listJobs({ kind: 'email.send', limit: 200 })).filter(
      (j) => j.payload.requestId === created.body.id,
    );
    expect(jobs).toHaveLength(3);
    expect(jobs.every((j) => j.status === 'queued' && j.attempts === 1)).toBe(true);
    expect(jobs[0]?.lastError).toMatch(/ECONNREFUSED|connect/);
    expect(jobs[0]?.lastError).not.toContain('smtp-secret-password');
    expect(await metric('deferred')).toBe(deferredBefore + 3);

    clock.advance(5_000);
    await settle(); // still down: a second attempt fails too
    await smtp.start();
    for (let i = 0; i < 3; i += 1) {
      clock.advance(10_000);
      await settle();
    }
    for (const address of ['alice@example.com', 'bob@example.com', 'audit@example.com']) {
      expect(mailsAbout(created.body.id, address)).toHaveLength(1);
    }
    const done = (await t.store.listJobs({ kind: 'email.send', limit: 200 })).filter(
      (j) => j.payload.requestId === created.body.id,
    );
    expect(done.every((j) => j.status === 'done')).toBe(true);

    // The failures were logged, with the request and the recipient's domain, never the address,
    // the SMTP credentials or the mail's content.
    const failures = lines.filter(
      (l) => l.includes(created.body.id) && l.includes('could not send a mail; will retry'),
    );
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(failures[0] ?? '{}')).toMatchObject({
      requestId: created.body.id,
      recipientDomain: 'example.com',
      mail: 'pending',
    });
    const all = lines.join('\n');
    for (const secret of [
      'smtp-secret-password',
      'alice@example.com',
      'audit@example.com',
      '"run"',
      '"jan"',
      'Approval needed',
    ]) {
      expect(all).not.toContain(secret);
    }
  });

  it('retries when the server refuses a recipient (4xx, 5xx) and gives up after the attempts allowed', async () => {
    smtp.refuseNext(2, 450);
    const request = (await agent('POST', '/api/requests', { action: 'deploy:eu' })).body;
    await settle();
    expect(mailsAbout(request.id, 'oncall@example.com')).toHaveLength(0);
    let job = (await t.store.listJobs({ kind: 'email.send', limit: 200 })).find(
      (j) => j.payload.requestId === request.id,
    );
    expect(job?.lastError).toContain('450');
    expect(job?.lastError).not.toContain('oncall@example.com');
    for (let i = 0; i < 3; i += 1) {
      clock.advance(10_000);
      await settle();
    }
    expect(mailsAbout(request.id, 'oncall@example.com')).toHaveLength(1);

    const failedBefore = await metric('failed');
    smtp.refuseNext(100, 550);
    const bounced = (await agent('POST', '/api/requests', { action: 'deploy:us' })).body;
    for (let i = 0; i < 8; i += 1) {
      await settle();
      clock.advance(60_000);
    }
    job = (await t.store.listJobs({ kind: 'email.send', limit: 200 })).find(
      (j) => j.payload.requestId === bounced.id,
    );
    expect(job).toMatchObject({ status: 'failed', attempts: 5 });
    expect(job?.lastError).toContain('550');
    expect(await metric('failed')).toBe(failedBefore + 1);
    smtp.refuseNext(0, 550);
  });
});
