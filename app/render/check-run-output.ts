/**
 * The check run `AgentGate: <action> (<short id>)` a reviewer decides from on a commit (docs/github-app.md): the same
 * content as the issue body, laid out for the Checks tab (the summary is what shows first, the
 * text below it), the conclusion for the request's status, and the Approve/Deny buttons while
 * pending. Pure: the same request renders the same output (snapshot-tested in test/github).
 */
import { describeOverride, isOverride, OVERRIDE_LABEL } from '../../sdk/is-override.js';
import type { RequestStatus } from '../../sdk/schemas.js';
import { boundPullRequestOf, checkTargetOf } from '../approvals/check-target.js';
import type { Refusal } from '../approvals/qualify-voter.js';
import { progressOf } from '../approvals/tally-votes.js';
import type { CheckConclusion, CheckRunAction } from '../ports/github-gateway.js';
import type { RequestRecord } from '../ports/store.js';
import { describeApprovers, mentionOf, QUIET_MARKDOWN } from './describe-approvers.js';
import { consoleRequestUrl } from './github-links.js';
import { code, jsonBlock, requesterLine, URGENCY_BADGE, utc } from './issue-body.js';
import { commitNote, contextHeadingOf } from './requester-facts.js';
import { renderVotesSection } from './vote-sources.js';

/** GitHub's limit on `output.summary` and `output.text`. */
const MAX_OUTPUT = 65_535;
/** Parameters beyond this are not shown inline (the summary must fit GitHub's limit). */
const MAX_PARAMS = 30_000;

/**
 * The short form of a request id shown in its check run's name: the last 6 characters (random in
 * ids the server makes), enough to tell apart the requests on one commit.
 */
const shortRequestId = (requestId: string): string => requestId.slice(requestId.indexOf('_') + 1).slice(-6);

/**
 * A request's check run's name: `AgentGate: <action> (<short id>)`. Each request has its own name
 * because GitHub shows only the newest run of a name in a check suite: two requests for the same
 * action on one commit must show side by side (docs/github-app.md, "Check run names").
 */
export const checkRunName = (action: string, requestId: string): string =>
  `AgentGate: ${action} (${shortRequestId(requestId)})`;

/** The buttons while pending (GitHub: at most 3; label ≤ 20, description ≤ 40, identifier ≤ 20). */
export const CHECK_RUN_ACTIONS: readonly CheckRunAction[] = [
  { label: 'Approve', description: 'Approve this action (counts your vote)', identifier: 'approve' },
  { label: 'Deny', description: 'Deny this action (denies at once)', identifier: 'deny' },
];

const CONCLUSION: Record<RequestStatus, CheckConclusion> = {
  pending: 'action_required',
  approved: 'success',
  denied: 'failure',
  expired: 'timed_out',
  cancelled: 'cancelled',
};

export const conclusionOf = (status: RequestStatus): CheckConclusion => CONCLUSION[status];

/** A vote that did not count (from the audit trail), shown so the clicker sees why nothing happened. */
export interface RefusedVote {
  voter: string;
  decision: 'approve' | 'deny';
  /** `github:check_run`, `github:review`, `github:comment`. */
  source: string;
  at: string;
}

export interface CheckRunView {
  request: RequestRecord;
  ruleDescriptions?: Readonly<Record<string, string | null>>;
  serverUrl?: string | null;
  /** Newest last; the last five are shown while pending. */
  refused?: readonly RefusedVote[];
  /** GitHub's web address (`githubWebUrl`), for links to GitHub pages; null: such links are left out. */
  githubUrl?: string | null;
}

export interface CheckRunOutput {
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  text: string;
  /** Buttons while pending, none once decided. */
  actions: CheckRunAction[];
}

const HEADLINE: Record<Exclude<RequestStatus, 'pending'>, string> = {
  approved: '✅ Approved',
  denied: '❌ Denied',
  expired: '⌛ Expired',
  cancelled: '🚫 Cancelled',
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function decider(request: RequestRecord): string {
  const by = request.decidedBy;
  if (!by) return '';
  if (by === 'system:expiry') return `— nobody decided before ${utc(request.expiresAt)}`;
  if (by === 'policy') return 'by policy';
  if (isOverride(request)) return `by ${mentionOf(by)} — ${OVERRIDE_LABEL}`;
  return `by ${mentionOf(by)}${by.startsWith('api:') ? ' through the AgentGate API' : ''}`;
}

/** One line for the Checks list: the state a reviewer scans for. */
function titleOf(request: RequestRecord): string {
  const { approvals, needed } = progressOf(request.review?.requirements ?? []);
  if (request.status === 'pending') {
    return `Waiting for approval: ${approvals} of ${plural(needed, 'approval')}`;
  }
  if (isOverride(request)) {
    return `${HEADLINE[request.status].split(' ').slice(1).join(' ')} by ${OVERRIDE_LABEL} (${request.decidedBy})`;
  }
  const by = request.decidedBy?.startsWith('github:') ? ` ${decider(request)}` : '';
  return `${HEADLINE[request.status].split(' ').slice(1).join(' ')}${by}`;
}

/** How a refused vote was cast, in the words of where it was cast. */
function howVoted(vote: RefusedVote): string {
  if (vote.source === 'github:comment') return `commented ${code(`/${vote.decision}`)}`;
  if (vote.source === 'github:review')
    return `reviewed with ${vote.decision === 'approve' ? '**Approve**' : '**Request changes**'}`;
  return `clicked ${vote.decision === 'approve' ? '**Approve**' : '**Deny**'}`;
}

function decisionSection(request: RequestRecord): string[] {
  if (request.status === 'pending') return [];
  const lines = [`### ${HEADLINE[request.status]} ${decider(request)}`.trimEnd(), ''];
  if (request.decisionReason && request.decidedBy !== 'system:expiry') {
    lines.push(`> ${request.decisionReason.split('\n').join('\n> ')}`, '');
  }
  if (isOverride(request)) {
    lines.push(
      `${mentionOf(request.decidedBy ?? '')} decided it: ${describeOverride(request, (label) => `**${label}**`)}, not a review on GitHub.`,
      '',
    );
  }
  const effect =
    request.status === 'approved'
      ? `The agent may now run ${code(request.action)}.`
      : `The agent will not run ${code(request.action)}.`;
  lines.push(`${effect} The decision is final.`, '');
  return lines;
}

function paramsBlock(request: RequestRecord): string {
  const size = JSON.stringify(request.params).length;
  return size > MAX_PARAMS
    ? `_The parameters are too large to show here (${size} characters); read them from the request._`
    : jsonBlock(request.params);
}

export function renderCheckRun({
  request,
  ruleDescriptions = {},
  serverUrl = null,
  refused = [],
  githubUrl = null,
}: CheckRunView): CheckRunOutput {
  const requirements = request.review?.requirements ?? [];
  const { approvals, needed } = progressOf(requirements);
  const approvedBy = requirements.flatMap((r) => r.approvedBy);
  const target = checkTargetOf(request);
  // Reviews count on the bound pull request only; one the agent merely names is shown as such.
  const pr = boundPullRequestOf(request);
  const named = target.ok && pr === null ? target.pullRequest : null;
  const prNote = pr
    ? ` (pull request #${pr})`
    : named
      ? ` (names pull request #${named}, not bound: reviews there do not count)`
      : '';
  const commit = target.ok ? `${code(target.sha.slice(0, 7))}${prNote} — ${commitNote(request)}` : '—';
  const version = request.policyDecision.policyVersion;
  const versionText = /^[0-9a-f]{40}$/.test(version) ? code(version.slice(0, 7)) : code(version);

  const summary: string[] = [
    ...decisionSection(request),
    `## An agent asks to run ${code(request.action)}`,
    '',
    '| | |',
    '|---|---|',
    `| **Action** | ${code(request.action)} |`,
    `| **Urgency** | ${URGENCY_BADGE[request.urgency]} |`,
    `| **Requested by** | ${requesterLine(request, githubUrl)} |`,
    `| **Commit** | ${commit} |`,
    `| **Expires** | ${utc(request.expiresAt)} — no decision by then means **expired** |`,
    `| **Request** | ${code(request.id)}, created ${utc(request.createdAt)} |`,
    '',
    '### Parameters',
    '',
    paramsBlock(request),
    '',
    '### Why this needs a human',
    '',
  ];
  for (const rule of request.policyDecision.rules) {
    const description = ruleDescriptions[rule];
    summary.push(`- Rule ${code(rule)}${description ? ` — ${description}` : ''}`);
  }
  if (request.policyDecision.rules.length > 0) summary.push('');
  summary.push(`${request.policyDecision.reason} _(policy version ${versionText})_`, '');

  summary.push('### Who can approve', '', '| Rule | Approvals | Who can approve |', '|---|---|---|');
  for (const r of requirements) {
    const by = r.approvedBy.length > 0 ? ` — ${r.approvedBy.map(mentionOf).join(', ')}` : '';
    summary.push(
      `| ${code(r.rule)} | ${Math.min(r.approvedBy.length, r.count)} of ${r.count}${by} | ${describeApprovers(r.approvers)} |`,
    );
  }
  summary.push(
    '',
    `**Progress: ${approvals} of ${plural(needed, 'approval')}**${
      approvedBy.length > 0 ? ` (approved so far by ${approvedBy.map(mentionOf).join(', ')})` : ''
    }.`,
    ...renderVotesSection(request.review?.votes),
  );

  if (request.status === 'pending') {
    const pick = `${code(`/approve ${request.id} [reason]`)} or ${code(`/deny ${request.id} [reason]`)}`;
    const ways = pr
      ? [
          `- review pull request #${pr} while its head is this commit: **Approve** counts as an approval (your review's text is the reason), **Request changes** denies, or`,
          `- comment ${code('/approve [reason]')} or ${code('/deny [reason]')} on pull request #${pr}, or ${pick} to name this request: a review or a bare command counts only while this is the one request waiting on pull request #${pr}.`,
        ]
      : [
          `- comment ${pick} on a pull request whose head is this commit. No pull request is bound to this request, so reviews and bare ${code('/approve')} comments do not count for it.`,
        ];
    summary.push(
      '',
      '### How to answer',
      '',
      '- Click **Approve** or **Deny** at the top of this check run, or',
      ...ways,
      '',
      'Each approval must come from a different person; one qualified deny denies at once. A new push does not carry approvals over: they count for this commit only.',
    );
    if (requirements.some((r) => !r.allowRequester)) {
      summary.push(
        'The requester and the person who delegated the task cannot approve their own request; bots never can.',
      );
    }
    const shown = refused.slice(-5);
    if (shown.length > 0) {
      summary.push('', '### Not counted', '');
      for (const vote of shown) {
        summary.push(
          `- ${mentionOf(vote.voter)} ${howVoted(vote)} at ${utc(vote.at)}: not one of the approvers listed above.`,
        );
      }
    }
  }

  const context = Object.fromEntries(
    Object.entries(request.context).filter(([k]) => !['onBehalfOf', 'sha', 'pullRequest'].includes(k)),
  );
  const text: string[] = [];
  if (Object.keys(context).length > 0) {
    const heading = contextHeadingOf(request);
    text.push(`### ${heading.title}`, '', `_${heading.note}_`, '', jsonBlock(context), '');
  }
  const page = serverUrl ? consoleRequestUrl(serverUrl, request.id) : null;
  text.push(
    `For the requester: follow this request at ${
      page ? `[${page}](${page})` : code(`GET /api/requests/${request.id}`)
    } or with ${code(`agentgate wait ${request.id}`)}. This check run is kept up to date by AgentGate.`,
  );

  return {
    conclusion: conclusionOf(request.status),
    title: titleOf(request),
    summary: fitOutput(summary.join('\n')),
    text: fitOutput(text.join('\n')),
    actions: request.status === 'pending' ? [...CHECK_RUN_ACTIONS] : [],
  };
}

/**
 * The decided run when GitHub refused the full output for good (`status`, e.g. 422): the conclusion,
 * the headline and the request id, no text and no buttons, so the run still completes.
 */
export function renderBareCheckRun(request: RequestRecord, status: number): CheckRunOutput {
  const title = titleOf(request);
  return {
    conclusion: conclusionOf(request.status),
    title,
    summary: [
      `${title}.`,
      '',
      `GitHub refused the full report of request ${code(request.id)} (HTTP ${status}); the request and its audit trail in AgentGate have it.`,
    ].join('\n'),
    text: '',
    actions: [],
  };
}

function fitOutput(markdown: string): string {
  if (markdown.length <= MAX_OUTPUT) return markdown;
  const note = '\n\n_…cut to fit GitHub’s limit; the request has the rest._';
  return markdown.slice(0, MAX_OUTPUT - note.length) + note;
}

/** The answer on a pull request to a review or comment that did not count. */
export function renderCheckRefusalReply(
  login: string,
  /** "review" or "`/approve`". */
  what: string,
  refused: ReadonlyArray<{ request: RequestRecord; refusal: Refusal }>,
): string {
  const lines = [`@${login}, your ${what} was not counted for:`, ''];
  for (const { request, refusal } of refused) {
    const requirements = request.review?.requirements ?? [];
    const { approvals, needed } = progressOf(requirements);
    const why =
      refusal === 'requester'
        ? 'you requested this action (or delegated the task), and nobody approves their own request'
        : refusal === 'bot'
          ? 'bots never approve'
          : 'you are not one of its approvers';
    // Approvers named without `@`: anyone can provoke this reply, and it must notify nobody else.
    const who = requirements
      .map((r) => `${describeApprovers(r.approvers, QUIET_MARKDOWN)} (${code(r.rule)})`)
      .join('; ');
    lines.push(
      `- ${code(checkRunName(request.action, request.id))} (${code(request.id)}): ${why}. Who can decide: ${who}. Progress: ${approvals} of ${needed}.`,
    );
  }
  return lines.join('\n');
}
