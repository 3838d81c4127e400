/** The admin pages: API keys (never their secrets), webhook subscriptions with their delivery log, the policy set in force. Pure. */
import type { ApiKey, PolicyDiagnostic } from '../../../sdk/schemas.js';
import type { WebhookDelivery, WebhookRecord } from '../../ports/store.js';
import { html, type SafeHtml } from '../html.js';
import { utc } from './layout.js';

export function renderKeys(keys: readonly ApiKey[]): SafeHtml {
  return html`<h1>API keys</h1>
<p class="muted small">Secrets are never shown: only a key's hash is stored. Create and revoke keys with <code>agentgate keys create|revoke</code> or the API.</p>
<div class="card table-wrap"><table id="keys"><thead><tr><th>Name</th><th>Scopes</th><th>Repository</th><th>Rate limit</th><th>Created</th><th>State</th></tr></thead><tbody>
${keys.map((k) => html`<tr><td><code>${k.name}</code><div class="muted small mono">${k.id}</div></td><td>${k.scopes.join(', ')}</td><td>${k.repository ?? '—'}</td><td>${k.rateLimit === null ? 'none' : `${k.rateLimit}/min`}</td><td>${utc(k.createdAt)}</td><td>${k.active ? 'active' : `revoked ${utc(k.revokedAt)}`}</td></tr>`)}
</tbody></table>${keys.length === 0 ? html`<p class="empty">No keys are stored (ADMIN_API_KEY may still be set).</p>` : ''}</div>`;
}

export function renderWebhooks(
  hooks: ReadonlyArray<{ webhook: WebhookRecord; deliveries: readonly WebhookDelivery[] }>,
): SafeHtml {
  return html`<h1>Webhook subscriptions</h1>
<p class="muted small">Secrets are never shown. Manage subscriptions with the API (<code>/api/webhooks</code>). Each shows its latest deliveries, newest first.</p>
${hooks.length === 0 ? html`<div class="card"><p class="empty">No webhook subscriptions.</p></div>` : ''}
${hooks.map(
  ({ webhook, deliveries }) => html`<section class="card webhook"><h2><code>${webhook.url}</code></h2>
<p class="small muted">${webhook.id} · ${webhook.events.join(', ')} · ${webhook.enabled ? 'enabled' : 'disabled'} · created ${utc(webhook.createdAt)}</p>
${
  deliveries.length === 0
    ? html`<p class="muted small">No deliveries yet.</p>`
    : html`<div class="table-wrap"><table><thead><tr><th>When</th><th>Event</th><th>Request</th><th>Status</th><th>Attempts</th><th>Last answer</th></tr></thead><tbody>${deliveries.map(
        (d) =>
          html`<tr><td class="mono">${utc(d.createdAt)}</td><td>${d.event}</td><td>${d.requestId ? html`<a href="/requests/${encodeURIComponent(d.requestId)}">${d.requestId}</a>` : '—'}</td><td><span class="pill status-${d.status === 'delivered' ? 'approved' : d.status === 'failed' ? 'denied' : 'pending'}">${d.status}</span></td><td>${d.attempts}</td><td>${d.responseStatus ?? ''} ${d.lastError ?? ''}</td></tr>`,
      )}</tbody></table></div>`
}
</section>`,
)}`;
}

export interface PolicyView {
  repository: string | null;
  version: string;
  source: string;
  rules: ReadonlyArray<{ name: string; file: string; decision: string; description: string | null }>;
  errors: readonly PolicyDiagnostic[];
  warnings: readonly PolicyDiagnostic[];
}

const diagnostic = (d: PolicyDiagnostic) =>
  html`<li><code>${d.file}:${d.line}:${d.column}</code> ${d.message}</li>`;

export function renderPolicies(view: PolicyView, canPickRepository: boolean): SafeHtml {
  return html`<h1>Policies in force</h1>
${canPickRepository ? html`<form class="card filters" method="get" action="/policies"><label>Repository<input type="text" name="repository" value="${view.repository ?? ''}" placeholder="owner/name (empty: the server's own)" maxlength="200"></label><button type="submit">Show</button></form>` : ''}
<div class="card"><dl class="facts"><dt>Version</dt><dd><code>${view.version}</code></dd><dt>Source</dt><dd><code>${view.source}</code></dd><dt>Rules</dt><dd>${view.rules.length}</dd></dl></div>
${view.errors.length > 0 ? html`<div class="note bad"><strong>The newest version has errors and is not in force</strong> (the last good version stays active):<ul>${view.errors.map(diagnostic)}</ul></div>` : ''}
${view.warnings.length > 0 ? html`<div class="note warn"><strong>Warnings</strong><ul>${view.warnings.map(diagnostic)}</ul></div>` : ''}
<div class="card table-wrap"><table id="rules"><thead><tr><th>Rule</th><th>Decision</th><th>File</th><th>Description</th></tr></thead><tbody>
${view.rules.map((r) => html`<tr><td><code>${r.name}</code></td><td>${r.decision.replaceAll('_', ' ')}</td><td class="mono">${r.file}</td><td>${r.description ?? ''}</td></tr>`)}
</tbody></table>${view.rules.length === 0 ? html`<p class="empty">No rules: every request goes to a human with write access.</p>` : ''}</div>`;
}
