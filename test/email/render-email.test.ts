import { describe, expect, it } from 'vitest';
import { renderEmail } from '../../app/email/render-email.js';
import { aRequest, descriptions } from '../helpers/channel-request.js';

describe('renderEmail', () => {
  it('writes the first mail as text and escaped HTML', async () => {
    const mail = renderEmail({
      request: aRequest(),
      kind: 'pending',
      ruleDescriptions: descriptions,
      publicUrl: 'https://gate.example.com',
      decisionLinks: null,
    });
    expect(mail.subject).toBe('[AgentGate] Approval needed: payments.transfer');
    await expect(mail.text).toMatchFileSnapshot('__snapshots__/pending.txt.snap');
    expect(mail.html).toContain('ACME Supplies &lt;billing@acme.example&gt;');
    expect(mail.html).toContain('On behalf of (unverified)');
  });
});
