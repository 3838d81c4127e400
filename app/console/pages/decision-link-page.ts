/**
 * The page a signed decision link (`/d/<token>`) opens: the request, and a button that confirms
 * the decision the link names with a POST. Opening the link decides nothing. Pure.
 */
import type { RequestRecord } from '../../ports/store.js';
import { html, type SafeHtml } from '../html.js';
import { renderNotice, statusPill, urgencyPill, utc } from './layout.js';
import { jsonText } from './request-page.js';

export function renderDecisionLink(input: {
  request: RequestRecord;
  token: string;
  recipient: string;
  decision: 'approve' | 'deny';
  notice: { kind: 'ok' | 'bad' | 'info' | 'warn'; text: string } | null;
  /** False once the link was used, or the request is no longer pending. */
  canConfirm: boolean;
}): SafeHtml {
  const { request, decision } = input;
  const verb = decision === 'approve' ? 'Approve' : 'Deny';
  return html`${renderNotice(input.notice)}
<h1>${verb} <code>${request.action}</code>?</h1>
<p>${statusPill(request.status)} ${urgencyPill(request.urgency)} <span class="muted small">expires ${utc(request.expiresAt)}</span></p>
<section class="card decide">
${
  input.canConfirm && request.status === 'pending'
    ? html`<form method="post" action="/d/${input.token}">
<input type="hidden" name="token" value="${input.token}">
<p>You are deciding as <strong>${input.recipient}</strong>. Nothing has happened yet: confirm to cast your vote.</p>
<label class="small muted" for="reason">Reason (optional)</label>
<textarea id="reason" name="reason" maxlength="2000"></textarea>
<div class="buttons"><button class="${decision === 'approve' ? 'approve' : 'deny'}" type="submit">Confirm: ${verb}</button></div>
</form>`
    : html`<p class="muted">This link cannot decide anything now.</p>`
}
</section>
<section class="card"><h2>Why it needs a human</h2><p>${request.policyDecision.reason}</p></section>
<section class="card"><h2>Parameters</h2><pre class="json">${jsonText(request.params).text}</pre></section>
<section class="card unverified"><h2>Context <span class="tag">unverified — written by the agent</span></h2><pre class="json">${jsonText(request.context).text}</pre></section>`;
}
