/**
 * The mails about a request (pure): the first one when it waits for a person, a follow-up in the
 * same thread when it is decided or expires. Each has a plain-text and an HTML part; every value an
 * agent controls (action, params, context, reasons) is HTML-escaped in the HTML part, and the
 * subject carries only the action name (letters, digits and `_ . : - / @`) and AgentGate's words.
 */
import { describeApprovers as describeApproversIn, PLAIN_TEXT } from '../../sdk/describe-approvers.js';
import { describeOverride, isOverride } from '../../sdk/is-override.js';
import type { ApprovalRequest, ReviewRequirement } from '../../sdk/schemas.js';
import { progressOf } from '../approvals/tally-votes.js';
import { contextHeadingOf, VERIFIED_BY_DEPLOYMENT, VERIFIED_BY_TOKEN } from '../render/requester-facts.js';

export type MailKind = 'pending' | 'outcome';

export interface MailInput {
  request: ApprovalRequest;
  kind: MailKind;
  ruleDescriptions: ReadonlyMap<string, string | null>;
  /** `AGENTGATE_PUBLIC_URL`; null: no links, only the CLI commands. */
  publicUrl: string | null;
  /** Links that let this recipient approve or deny (signed confirm pages), or null: link to the request instead. */
  decisionLinks: { approve: string; deny: string } | null;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const STATUS_WORDS: Record<ApprovalRequest['status'], string> = {
  pending: 'is waiting for a decision',
  approved: 'was approved',
  denied: 'was denied',
  expired: 'expired: nobody decided in time',
  cancelled: 'was cancelled',
};

/** Longest params/context shown in a mail; the rest is cut, saying so. */
const MAX_JSON = 8000;

export function renderEmail(input: MailInput): RenderedMail {
  const { request, kind } = input;
  const base = `[AgentGate] Approval needed: ${oneLine(request.action)}`;
  return kind === 'pending'
    ? { subject: base, ...pendingBody(input) }
    : { subject: `Re: ${base}`, ...outcomeBody(input) };
}

/** A section: heading and lines, as text and as HTML. */
interface Section {
  title: string;
  lines: string[];
  /** Shown as preformatted (JSON). */
  pre?: boolean;
  note?: string;
}

function pendingBody({
  request,
  ruleDescriptions,
  publicUrl,
  decisionLinks,
}: MailInput): Omit<RenderedMail, 'subject'> {
  const requirements = request.review?.requirements ?? [];
  const { approvals, needed } = progressOf(requirements);
  const requestUrl = publicUrl ? `${publicUrl}/requests/${encodeURIComponent(request.id)}` : null;
  const intro = `An agent asks to run ${request.action}, and a policy says a person must decide first.`;
  const facts: [string, string][] = [
    ['Action', request.action],
    ['Urgency', request.urgency],
    ['Requested by', requesterOf(request)],
    ...(typeof request.context.onBehalfOf === 'string'
      ? ([['On behalf of (unverified)', request.context.onBehalfOf]] as [string, string][])
      : []),
    ...(request.repository ? ([['Repository', request.repository]] as [string, string][]) : []),
    ['Progress', `${approvals} of ${needed} approval${needed === 1 ? '' : 's'}`],
    ['Expires', utc(request.expiresAt)],
    ['Request', request.id],
  ];
  const sections: Section[] = [
    {
      title: 'Why it needs a human',
      lines: [request.policyDecision.reason, ...requirements.map((r) => whyLine(r, ruleDescriptions))],
    },
    { title: 'Who can decide', lines: requirements.map(whoLine) },
    { title: 'Parameters', lines: [json(request.params)], pre: true },
    ...contextSection(request),
  ];
  const how = decisionLinks
    ? {
        text: [
          'Decide (each link opens a confirmation page; nothing is decided until you confirm there):',
          `  Approve: ${decisionLinks.approve}`,
          `  Deny:    ${decisionLinks.deny}`,
        ].join('\n'),
        link: null,
        label: '',
      }
    : {
        text: [
          ...(requestUrl ? [`Open the request: ${requestUrl}`, ''] : []),
          'Or decide from a terminal with an AgentGate key that may decide requests:',
          `  agentgate approve ${request.id}`,
          `  agentgate deny ${request.id} --reason "…"`,
        ].join('\n'),
        link: requestUrl,
        label: 'Open the request',
      };
  const text = [
    intro,
    '',
    ...facts.map(([k, v]) => `${`${k}:`.padEnd(27)}${v}`),
    ...sections.flatMap((s) => [
      '',
      `${s.title}:`,
      ...(s.note ? [s.note] : []),
      ...s.lines.map((l) => (s.pre ? l : `- ${l}`)),
    ]),
    '',
    how.text,
    '',
    FOOTER,
  ].join('\n');
  const html = page([
    `<p>${esc(intro)}</p>`,
    `<table cellpadding="4" style="border-collapse:collapse">${facts
      .map(([k, v]) => `<tr><th align="left" valign="top">${esc(k)}</th><td>${esc(v)}</td></tr>`)
      .join('')}</table>`,
    ...sections.map(htmlSection),
    decisionLinks
      ? `<p><a href="${esc(decisionLinks.approve)}" style="font-weight:bold">Approve</a> · <a href="${esc(decisionLinks.deny)}" style="font-weight:bold">Deny</a></p>` +
        '<p>Each link opens a confirmation page; nothing is decided until you confirm there.</p>'
      : how.link
        ? `<p><a href="${esc(how.link)}" style="font-weight:bold">${esc(how.label)}</a></p>`
        : '',
    decisionLinks
      ? ''
      : `<p>Or decide from a terminal with an AgentGate key that may decide requests:</p><pre>agentgate approve ${esc(request.id)}\nagentgate deny ${esc(request.id)} --reason "…"</pre>`,
  ]);
  return { text, html };
}

function outcomeBody({ request, publicUrl }: MailInput): Omit<RenderedMail, 'subject'> {
  const requestUrl = publicUrl ? `${publicUrl}/requests/${encodeURIComponent(request.id)}` : null;
  const by = request.decidedBy && request.status !== 'expired' ? ` by ${actorOf(request.decidedBy)}` : '';
  const when = request.decidedAt ? ` on ${utc(request.decidedAt)}` : '';
  const override = isOverride(request)
    ? `Note: ${describeOverride(request, (l) => l)}; the approvers did not decide it.`
    : null;
  const head = `The request to run ${request.action} ${STATUS_WORDS[request.status]}${by}${when}.`;
  const reason = request.decisionReason && request.status !== 'expired' ? request.decisionReason : null;
  const votes = (request.review?.votes ?? []).map(
    (v) =>
      `${v.decision === 'approve' ? 'approved' : 'denied'} by ${actorOf(v.voter)} (${v.source}), ${utc(v.createdAt)}`,
  );
  const text = [
    head,
    ...(override ? ['', override] : []),
    ...(reason ? ['', `Reason: ${reason}`] : []),
    ...(votes.length > 0 ? ['', 'Votes:', ...votes.map((v) => `- ${v}`)] : []),
    '',
    `Request: ${request.id}${requestUrl ? ` (${requestUrl})` : ''}`,
    'Nothing more is needed from you.',
    '',
    FOOTER,
  ].join('\n');
  const html = page([
    `<p>${esc(head)}</p>`,
    override ? `<p><strong>${esc(override)}</strong></p>` : '',
    reason ? `<p>Reason: ${esc(reason)}</p>` : '',
    votes.length > 0 ? htmlSection({ title: 'Votes', lines: votes }) : '',
    `<p>Request ${requestUrl ? `<a href="${esc(requestUrl)}">${esc(request.id)}</a>` : esc(request.id)}. Nothing more is needed from you.</p>`,
  ]);
  return { text, html };
}

const FOOTER = '— AgentGate (an automated message; replies are not read)';

function page(parts: string[]): string {
  return `<!doctype html><html><body style="font-family:sans-serif">${parts.join('')}<p style="color:#666">${esc(FOOTER)}</p></body></html>`;
}

function htmlSection(section: Section): string {
  const note = section.note ? `<p><em>${esc(section.note)}</em></p>` : '';
  const body = section.pre
    ? section.lines.map((l) => `<pre style="background:#f4f4f4;padding:8px">${esc(l)}</pre>`).join('')
    : `<ul>${section.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`;
  return `<h3>${esc(section.title)}</h3>${note}${body}`;
}

function contextSection(request: Pick<ApprovalRequest, 'context' | 'requester'>): Section[] {
  const shown = Object.fromEntries(Object.entries(request.context).filter(([k]) => k !== 'onBehalfOf'));
  if (Object.keys(shown).length === 0) return [];
  const { title, note } = contextHeadingOf(request);
  return [{ title, note, lines: [json(shown)], pre: true }];
}

function whyLine(requirement: ReviewRequirement, descriptions: ReadonlyMap<string, string | null>): string {
  const description = descriptions.get(requirement.rule);
  return `${requirement.rule}${description ? `: ${description}` : ''}`;
}

function whoLine(requirement: ReviewRequirement): string {
  const count = `${requirement.count} approval${requirement.count === 1 ? '' : 's'}`;
  const self = requirement.allowRequester ? '' : ' The requester cannot approve.';
  return `${requirement.rule} needs ${count} from ${describeApproversIn(requirement.approvers, { ...PLAIN_TEXT, home: 'email' })}.${self}`;
}

function requesterOf(request: ApprovalRequest): string {
  const r = request.requester;
  if (r.type === 'api_key') return `API key ${r.name}`;
  if (r.type === 'github_deployment') {
    return `${r.actor} deploying ${r.ref} to environment ${r.environment} (${r.repository}, run ${r.runId}), ${VERIFIED_BY_DEPLOYMENT}`;
  }
  return `${r.actor} via GitHub Actions (${r.workflowRef || r.workflow} in ${r.repository}), ${VERIFIED_BY_TOKEN}`;
}

function actorOf(actor: string): string {
  const [kind, ...rest] = actor.split(':');
  const name = rest.join(':');
  switch (kind) {
    case 'github':
      return `${name} on GitHub`;
    case 'slack':
      return `Slack user ${name}`;
    case 'discord':
      return `Discord user ${name}`;
    case 'email':
      return name;
    case 'api':
      return `API key ${name}`;
    case 'system':
      return name === 'expiry' ? 'expiry' : actor;
    default:
      return actor;
  }
}

function json(value: unknown): string {
  const text = JSON.stringify(value, null, 2);
  return text.length <= MAX_JSON ? text : `${text.slice(0, MAX_JSON)}… (truncated)`;
}

const utc = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** Header-safe: no line breaks, bounded. */
const oneLine = (text: string): string => text.replace(/[\r\n]+/g, ' ').slice(0, 200);

/** HTML-escapes text for element content and double-quoted attributes. */
function esc(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
