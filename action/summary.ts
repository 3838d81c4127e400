/** The job summary: one table with the decision, who made it, why, and where to look. */
import { type ApprovalRequest, isOverride, OVERRIDE_LABEL } from '../sdk/index.js';
import { describeApprovals } from './describe.js';

const ICONS: Record<ApprovalRequest['status'], string> = {
  pending: '⏳',
  approved: '✅',
  denied: '❌',
  expired: '⌛',
  cancelled: '🚫',
};

/** Text from approvers and agents goes into markdown: no table breaks, no HTML, no injected links. */
function escapeCell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#!])/g, '\\$1')
    .replace(/\r?\n/g, '<br>');
}

/** Ids, action and rule names in a code span (they hold no backticks or pipes; drop any anyway). */
const code = (text: string) => `\`${text.replace(/[`|\r\n]/g, '')}\``;

export function renderSummary(request: ApprovalRequest, url: string): string {
  const link = /^https?:\/\//.test(url) ? `[${escapeCell(url)}](${encodeURI(url)})` : escapeCell(url);
  // An override says so next to the decision and the approvals: never "approved" beside "0 of 1".
  const override = isOverride(request);
  const status = override ? `${request.status} by ${OVERRIDE_LABEL}` : request.status;
  const rows: Array<[string, string]> = [
    ['Request', code(request.id)],
    ['Action', code(request.action)],
    ['Decision', `${ICONS[request.status]} ${override ? `**${status}**` : status}`],
    ['Decided by', request.decidedBy ? escapeCell(request.decidedBy) : '—'],
    ['Reason', request.decisionReason ? escapeCell(request.decisionReason) : '—'],
  ];
  if (request.review) {
    const approvals = describeApprovals(request.review.requirements);
    rows.push([
      'Approvals',
      override ? `${approvals} — skipped by an ${OVERRIDE_LABEL} through the AgentGate API` : approvals,
    ]);
  }
  if (request.policyDecision.rules.length > 0) {
    rows.push(['Policy rules', request.policyDecision.rules.map(code).join(', ')]);
  }
  rows.push(['Review', link]);
  return [
    `### AgentGate: ${escapeCell(request.action)} — ${status}`,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([name, value]) => `| ${name} | ${value} |`),
    '',
  ].join('\n');
}
