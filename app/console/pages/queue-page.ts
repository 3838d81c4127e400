/**
 * The queue (`/`): pending requests, most urgent then newest first, filterable by repository,
 * action and urgency; with `status=decided` (or one final status) the history instead. Pure.
 */
import type { RequestStatus, Urgency } from '../../../sdk/schemas.js';
import { progressOf } from '../../approvals/tally-votes.js';
import type { RequestRecord } from '../../ports/store.js';
import { html, type SafeHtml } from '../html.js';
import { statusPill, urgencyPill, utc } from './layout.js';

export interface QueueFilter {
  status: 'pending' | 'decided' | Exclude<RequestStatus, 'pending'>;
  repository?: string | undefined;
  action?: string | undefined;
  urgency?: Urgency | undefined;
}

const URGENCIES: readonly Urgency[] = ['critical', 'high', 'normal', 'low'];
const STATUSES = ['pending', 'decided', 'approved', 'denied', 'expired', 'cancelled'] as const;

/** Shown at most this many characters of an action name in a list (the request page shows it whole). */
const MAX_ACTION = 120;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

function requesterOf(request: RequestRecord): string {
  const r = request.requester;
  if (r.type === 'api_key') return `key ${r.name}`;
  if (r.type === 'github_actions') return `workflow in ${r.repository} (${r.actor})`;
  return String((r as { type: unknown }).type);
}

function row(request: RequestRecord): SafeHtml {
  const { approvals, needed } = progressOf(request.review?.requirements ?? []);
  const progress =
    request.status === 'pending' && needed > 0
      ? html`<div>${approvals} of ${needed} approvals</div><div class="muted">expires ${utc(request.expiresAt)}</div>`
      : html`<div>${request.decidedBy ?? ''}</div><div class="muted">${utc(request.decidedAt ?? request.updatedAt)}</div>`;
  return html`<li data-request-id="${request.id}">
<div>
  <a class="action" href="/requests/${encodeURIComponent(request.id)}">${clip(request.action, MAX_ACTION)}</a>
  ${urgencyPill(request.urgency)} ${statusPill(request.status)}
  <div class="meta">${request.repository ?? 'no repository'} · ${requesterOf(request)} · ${utc(request.createdAt)}</div>
  <div class="meta">${clip(request.policyDecision.reason, 240)}</div>
</div>
<div class="side">${progress}</div>
</li>`;
}

export function renderQueue(input: {
  filter: QueueFilter;
  requests: readonly RequestRecord[];
  /** More matched than are shown. */
  truncated: boolean;
  /** A GitHub viewer sees only repositories they can read on GitHub. */
  scopeNote: string | null;
}): SafeHtml {
  const { filter, requests } = input;
  const title = filter.status === 'pending' ? 'Waiting for a decision' : 'History';
  const option = (value: string, selected: string | undefined, label = value) =>
    html`<option value="${value}"${value === (selected ?? '') ? html` selected` : ''}>${label}</option>`;
  return html`<h1>${title} <span class="muted small">(${requests.length}${input.truncated ? '+' : ''})</span></h1>
<form class="card filters" method="get" action="/">
  <label>Status<select name="status">${STATUSES.map((s) => option(s, filter.status, s === 'decided' ? 'all decided' : s))}</select></label>
  <label>Repository<input type="text" name="repository" value="${filter.repository ?? ''}" placeholder="owner/name" maxlength="200"></label>
  <label>Action<input type="text" name="action" value="${filter.action ?? ''}" placeholder="exact action" maxlength="200"></label>
  <label>Urgency<select name="urgency">${option('', filter.urgency, 'any')}${URGENCIES.map((u) => option(u, filter.urgency))}</select></label>
  <button type="submit">Filter</button>
</form>
${input.scopeNote ? html`<p class="muted small">${input.scopeNote}</p>` : ''}
<div class="card">
${
  requests.length === 0
    ? html`<p class="empty" id="queue-empty">${filter.status === 'pending' ? 'Nothing is waiting for a decision. New requests appear here as they arrive.' : 'No decided requests match.'}</p>`
    : html`<ul class="queue" id="queue">${requests.map(row)}</ul>`
}
${input.truncated ? html`<p class="truncated">Only the first ${requests.length} are shown; narrow the filter to see others.</p>` : ''}
</div>`;
}
