/**
 * One request (`/requests/:id`): what the agent wants (action, params), the context it gave
 * (labelled unverified: the agent wrote it), the requester as verified, why the policy routed it
 * (rule by rule), each requirement's progress with who approved and where, the votes, the audit
 * trail, links to where it is reviewed on GitHub, and the approve/deny form when the viewer may
 * decide. Everything shown is escaped by `html`; JSON is shown as text. Pure.
 */
import { describeApprovers, PLAIN_TEXT } from '../../../sdk/describe-approvers.js';
import { describeOverride, isOverride } from '../../../sdk/is-override.js';
import type { AuditEntry, RuleTrace, Vote } from '../../../sdk/schemas.js';
import { progressOf } from '../../approvals/tally-votes.js';
import type { RequestRecord } from '../../ports/store.js';
import { html, type SafeHtml, safeHttpUrl } from '../html.js';
import { renderNotice, statusPill, urgencyPill, utc } from './layout.js';

/** JSON shown at most this long (a 64 KiB param still renders; the API has it whole). */
const MAX_JSON = 20_000;
/** Audit details shown at most this long per entry. */
const MAX_DETAILS = 400;

export type DecideAbility =
  /** An API key with `request:decide`: final at once (an operator override on human-routed requests). */
  | { mode: 'override'; as: string }
  /** A signed-in GitHub user: a vote, qualified like a comment or review. */
  | { mode: 'vote'; as: string }
  | { mode: 'none'; why: string };

export interface RequestPageInput {
  request: RequestRecord;
  audit: readonly AuditEntry[];
  ruleDescriptions: ReadonlyMap<string, string | null>;
  /** Each deciding rule's conditions as evaluated (null when the policy version has changed since). */
  traces: readonly RuleTrace[] | null;
  /** Where it is reviewed: its GitHub issue, its check run. */
  links: ReadonlyArray<{ label: string; url: string }>;
  decide: DecideAbility;
  notice: { kind: 'ok' | 'bad' | 'info' | 'warn'; text: string } | null;
  csrf: string;
}

export function jsonText(value: unknown, max = MAX_JSON): { text: string; truncated: boolean } {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  return text.length > max
    ? { text: `${text.slice(0, max)}\n…`, truncated: true }
    : { text, truncated: false };
}

function jsonBlock(value: unknown, id: string): SafeHtml {
  const { text, truncated } = jsonText(value);
  return html`<pre class="json" id="${id}">${text}</pre>${truncated ? html`<p class="truncated">Too long to show whole; the API (GET /api/requests/:id) returns all of it.</p>` : ''}`;
}

const SOURCES: Record<string, string> = {
  'github:comment': '/approve comment on GitHub',
  'github:check_run': 'check run button on GitHub',
  'github:review': 'pull request review on GitHub',
  'github:issue_closed': 'issue closed on GitHub',
  slack: 'Slack',
  discord: 'Discord',
  email: 'email link',
  console: 'web console',
  api: 'API',
};

function voteLine(vote: Vote): SafeHtml {
  const where = SOURCES[vote.source] ?? vote.source;
  const url = safeHttpUrl(vote.url);
  return html`<li>${vote.decision === 'approve' ? '✅ approved' : '❌ denied'} by <strong>${vote.voter}</strong> — ${url ? html`<a href="${url}" rel="noopener noreferrer">${where}</a>` : where}, ${utc(vote.createdAt)}${vote.reason ? html`<div class="muted small">“${vote.reason}”</div>` : ''}</li>`;
}

function requesterFacts(request: RequestRecord): SafeHtml {
  const r = request.requester;
  if (r.type === 'api_key') return html`<dt>Requested by</dt><dd>API key <code>${r.name}</code></dd>`;
  const facts = Object.entries(r).filter(([k, v]) => k !== 'type' && v !== null && v !== undefined);
  const who =
    r.type === 'github_actions'
      ? 'GitHub Actions workflow (verified by its OIDC token)'
      : 'GitHub deployment (verified by GitHub’s deployment protection rule)';
  return html`<dt>Requested by</dt><dd>${who}<dl class="facts small">${facts.map(([k, v]) => html`<dt>${k}</dt><dd><code>${String(v)}</code></dd>`)}</dl></dd>`;
}

function decideForm(input: RequestPageInput): SafeHtml {
  const { request, decide } = input;
  if (request.status !== 'pending') {
    return html`<p>This request is <strong>${request.status}</strong>${request.decidedBy ? html` by <strong>${request.decidedBy}</strong>` : ''}${request.decidedAt ? html` at ${utc(request.decidedAt)}` : ''}. A decision is final.</p>${request.decisionReason ? html`<p class="muted">“${request.decisionReason}”</p>` : ''}`;
  }
  if (decide.mode === 'none') return html`<p class="muted">${decide.why}</p>`;
  const explain =
    decide.mode === 'override'
      ? 'Your API key decides outright: an operator override, recorded with your key’s name (policies can forbid it).'
      : 'Your approval or denial counts as your vote, qualified by the same rules as a comment or review on GitHub.';
  return html`<form method="post" action="/requests/${encodeURIComponent(request.id)}/decide">
<input type="hidden" name="_csrf" value="${input.csrf}">
<p class="small muted">Deciding as <strong>${decide.as}</strong>. ${explain}</p>
<label class="small muted" for="reason">Reason (optional)</label>
<textarea id="reason" name="reason" maxlength="2000" placeholder="Why (shown in the audit trail and on GitHub)"></textarea>
<div class="buttons"><button class="approve" type="submit" name="decision" value="approve">Approve</button><button class="deny" type="submit" name="decision" value="deny">Deny</button></div>
</form>`;
}

function requirements(request: RequestRecord, descriptions: ReadonlyMap<string, string | null>): SafeHtml {
  const review = request.review;
  if (!review || review.requirements.length === 0) {
    return html`<p class="muted">No human review: the policy decided this request itself.</p>`;
  }
  const { approvals, needed } = progressOf(review.requirements);
  return html`<p><strong>${approvals} of ${needed}</strong> approvals so far.</p>
${review.requirements.map(
  (r) => html`<div class="requirement">
<div><code>${r.rule}</code> — ${r.count} approval${r.count === 1 ? '' : 's'} from ${describeApprovers(r.approvers, PLAIN_TEXT)}</div>
${descriptions.get(r.rule) ? html`<div class="muted small">${descriptions.get(r.rule) ?? ''}</div>` : ''}
<progress max="${r.count}" value="${Math.min(r.approvedBy.length, r.count)}"></progress>
<div class="small">${r.approvedBy.length > 0 ? html`Approved by ${r.approvedBy.map((who, i) => html`${i > 0 ? ', ' : ''}<strong>${who}</strong>`)}` : html`<span class="muted">No approvals yet.</span>`}</div>
</div>`,
)}`;
}

function auditTable(audit: readonly AuditEntry[]): SafeHtml {
  if (audit.length === 0) return html`<p class="muted">No entries.</p>`;
  return html`<ol class="audit" id="audit">${audit.map(
    (e) =>
      html`<li><div><strong>${e.eventType}</strong> by <code>${e.actor}</code> <span class="muted small">${utc(e.createdAt)}</span></div><div class="mono muted small details">${jsonText(e.details, MAX_DETAILS).text.replace(/\s+/g, ' ')}</div></li>`,
  )}</ol>`;
}

/** Longest condition text shown (it quotes the agent's values). */
const MAX_CHECK = 300;

/** What each condition of `rule` found, e.g. "params.amount is 5000, which is greater than 1000". */
function checksOf(traces: readonly RuleTrace[] | null, rule: string): SafeHtml {
  const checks = traces?.find((t) => t.rule === rule)?.checks ?? [];
  if (checks.length === 0) return html``;
  return html`<ul class="checks small">${checks.map(
    (c) =>
      html`<li>${c.passed ? '✓' : '✗'} ${c.text.length > MAX_CHECK ? `${c.text.slice(0, MAX_CHECK)}…` : c.text}</li>`,
  )}</ul>`;
}

export function renderRequest(input: RequestPageInput): SafeHtml {
  const { request } = input;
  const decision = request.policyDecision;
  const overridden = isOverride(request) ? describeOverride(request) : null;
  return html`${renderNotice(input.notice)}
<h1><code id="request-action">${request.action}</code></h1>
<p>${statusPill(request.status)} ${urgencyPill(request.urgency)} <span class="muted small mono">${request.id}</span></p>
<div class="grid request">
<div>
  <section class="card decide s-decide" id="decide"><h2>Decision</h2>${decideForm(input)}${overridden ? html`<p class="small muted">${overridden}</p>` : ''}</section>
  <section class="card s-params"><h2>Parameters</h2><p class="small muted">What the agent will do if approved.</p>${jsonBlock(request.params, 'params')}</section>
  ${
    request.requester.type === 'github_deployment'
      ? html`<section class="card s-context"><h2>Deployment <span class="tag">from GitHub, verified</span></h2><p class="small muted">GitHub sent these facts with the deployment protection rule; no agent wrote any of them.</p>${jsonBlock(request.context, 'context')}</section>`
      : html`<section class="card unverified s-context"><h2>Context <span class="tag">unverified — written by the agent</span></h2><p class="small muted">Free-form facts the agent supplied. AgentGate did not check them; do not trust links or claims here.</p>${jsonBlock(request.context, 'context')}</section>`
  }
  <section class="card s-audit"><h2>Audit trail</h2>${auditTable(input.audit)}</section>
</div>
<div>
  <section class="card s-why"><h2>Why it needs a human</h2>
    <p>${decision.reason}</p>
    <ul>${decision.rules.map((rule) => html`<li><code>${rule}</code>${input.ruleDescriptions.get(rule) ? html` — <span class="muted">${input.ruleDescriptions.get(rule) ?? ''}</span>` : ''}${checksOf(input.traces, rule)}</li>`)}</ul>
    <p class="small muted">Policy decision: ${decision.decision.replaceAll('_', ' ')} · version <code>${decision.policyVersion.slice(0, 19)}</code></p>
  </section>
  <section class="card s-approvals"><h2>Approvals</h2>${requirements(request, input.ruleDescriptions)}
    ${(request.review?.votes.length ?? 0) > 0 ? html`<h2>Votes</h2><ul class="small">${request.review?.votes.map(voteLine)}</ul>` : ''}
  </section>
  <section class="card s-facts"><h2>Facts</h2><dl class="facts">
    <dt>Repository</dt><dd>${request.repository ?? 'none (standalone)'}</dd>
    ${requesterFacts(request)}
    <dt>Created</dt><dd>${utc(request.createdAt)}</dd>
    <dt>Expires</dt><dd>${utc(request.expiresAt)}</dd>
    ${input.links.map((link) => html`<dt>${link.label}</dt><dd><a href="${link.url}" rel="noopener noreferrer">${link.url}</a></dd>`)}
  </dl></section>
</div>
</div>`;
}
