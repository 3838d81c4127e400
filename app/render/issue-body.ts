/**
 * The issue a reviewer decides from (docs/github-app.md, "The issue"): title, body with the hidden marker, labels. Pure:
 * the same request renders the same markdown (snapshot-tested in test/render).
 */
import type { RequestStatus, Urgency } from '../../sdk/schemas.js';
import { progressOf } from '../approvals/tally-votes.js';
import type { RequestRecord } from '../ports/store.js';
import { describeApprovers, mentionOf } from './describe-approvers.js';
import { consoleRequestUrl, workflowRunUrl } from './github-links.js';
import {
  type ActionsRequester,
  contextHeadingOf,
  type DeploymentRequester,
  triggerOf,
  VERIFIED_BY_DEPLOYMENT,
  VERIFIED_BY_TOKEN,
} from './requester-facts.js';
import { renderVotesSection } from './vote-sources.js';

export const BASE_LABEL = 'agentgate';
export const statusLabel = (status: RequestStatus): string => `agentgate:${status}`;

/** The hidden marker that ties an issue to its request (found again before any retry creates one). */
export const issueMarker = (requestId: string): string => `<!-- agentgate:request:${requestId} -->`;

/** The request id an issue body names in its marker, if any. */
export function findRequestMarker(body: string | null | undefined): string | null {
  return /<!-- agentgate:request:([A-Za-z0-9_-]+) -->/.exec(body ?? '')?.[1] ?? null;
}

export const URGENCY_BADGE: Record<Urgency, string> = {
  low: '🟢 low',
  normal: '🔵 normal',
  high: '🟠 high',
  critical: '🔴 **critical**',
};

export function renderIssueTitle(request: Pick<RequestRecord, 'action' | 'urgency'>): string {
  const prefix = request.urgency === 'critical' || request.urgency === 'high' ? `[${request.urgency}] ` : '';
  return `${prefix}Approval needed: ${request.action}`;
}

export interface IssueView {
  request: RequestRecord;
  /** Descriptions of the routing rules, from the policy set in force (absent when unknown). */
  ruleDescriptions?: Readonly<Record<string, string | null>>;
  /** Public base URL of the AgentGate server, for the requester's link; null when not configured. */
  serverUrl?: string | null;
  /** A note shown first (e.g. why a request meant for a check run is reviewed here instead). */
  notice?: string | null;
  /** GitHub's web address (`githubWebUrl`), for links to GitHub pages; null: such links are left out. */
  githubUrl?: string | null;
}

/** A fenced JSON block that no value can break out of (its fence is longer than any run of backticks). */
export function jsonBlock(value: unknown): string {
  const text = JSON.stringify(value, null, 2);
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}json\n${text}\n${fence}`;
}

/** Inline code that survives backticks in the value. */
export const code = (text: string): string => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

/**
 * Who asked. A workflow's run is linked on `githubUrl` (GitHub's web address as configured:
 * github.com or an Enterprise Server); without it, the run is named but not linked.
 */
export function requesterLine(request: RequestRecord, githubUrl: string | null = null): string {
  const r = request.requester;
  const who =
    r.type === 'api_key'
      ? `API key ${code(r.name)}`
      : r.type === 'github_deployment'
        ? deploymentRequesterLine(r, githubUrl)
        : actionsRequesterLine(r, githubUrl);
  const onBehalfOf = typeof request.context.onBehalfOf === 'string' ? request.context.onBehalfOf : null;
  return onBehalfOf
    ? `${who}; on behalf of ${mentionOf(`github:${onBehalfOf.replace(/^@|^github:/, '')}`)} (the agent's word, unverified)`
    : who;
}

/** "workflow `…` (run N) of `owner/name`, triggered by @actor (`push`, `refs/heads/main`) — ✅ verified by …" */
function actionsRequesterLine(r: ActionsRequester, githubUrl: string | null): string {
  const { event, pullRequest, ref, environment } = triggerOf(r);
  const facts = [
    ...(event ? [code(event)] : []),
    ...(pullRequest !== null ? [`pull request #${pullRequest}`] : ref ? [code(ref)] : []),
    ...(environment ? [`environment ${code(environment)}`] : []),
  ];
  const runUrl = githubUrl ? workflowRunUrl(githubUrl, r.repository, r.runId) : null;
  const run = runUrl ? `[run ${r.runId}](${runUrl})` : `run ${code(r.runId)}`;
  return (
    `workflow ${code(r.workflowRef || r.workflow)} (${run}) ` +
    `of ${code(r.repository)}, triggered by @${r.actor}${facts.length > 0 ? ` (${facts.join(', ')})` : ''} — ✅ ${VERIFIED_BY_TOKEN}`
  );
}

/** "deployment of `main` to environment `production` (run N) of `owner/name`, by @actor (`push`, pull request #7) — ✅ verified by …" */
function deploymentRequesterLine(r: DeploymentRequester, githubUrl: string | null): string {
  const runUrl = githubUrl ? workflowRunUrl(githubUrl, r.repository, r.runId) : null;
  const run = runUrl ? `[run ${r.runId}](${runUrl})` : `run ${code(r.runId)}`;
  const facts = [...(r.event ? [code(r.event)] : []), ...r.pullRequests.map((n) => `pull request #${n}`)];
  return (
    `deployment of ${code(r.ref)} to environment ${code(r.environment)} (${run}) of ${code(r.repository)}, ` +
    `by @${r.actor}${facts.length > 0 ? ` (${facts.join(', ')})` : ''} — ✅ ${VERIFIED_BY_DEPLOYMENT}`
  );
}

export const utc = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export function renderIssueBody({
  request,
  ruleDescriptions = {},
  serverUrl = null,
  notice = null,
  githubUrl = null,
}: IssueView): string {
  const review = request.review;
  const requirements = review?.requirements ?? [];
  const { approvals, needed } = progressOf(requirements);
  const context = Object.fromEntries(Object.entries(request.context).filter(([k]) => k !== 'onBehalfOf'));
  const version = request.policyDecision.policyVersion;
  const versionText = /^[0-9a-f]{40}$/.test(version) ? code(version.slice(0, 7)) : code(version);
  const approvedBy = requirements.flatMap((r) => r.approvedBy);

  const lines: string[] = [
    issueMarker(request.id),
    `## An agent asks to run ${code(request.action)}`,
    '',
    ...(notice ? [`> [!NOTE]\n> ${notice}`, ''] : []),
    '| | |',
    '|---|---|',
    `| **Action** | ${code(request.action)} |`,
    `| **Urgency** | ${URGENCY_BADGE[request.urgency]} |`,
    `| **Requested by** | ${requesterLine(request, githubUrl)} |`,
    `| **Expires** | ${utc(request.expiresAt)} — no decision by then means **expired** |`,
    `| **Request** | ${code(request.id)}, created ${utc(request.createdAt)} |`,
    '',
    '### Parameters',
    '',
    jsonBlock(request.params),
    '',
  ];
  if (Object.keys(context).length > 0) {
    const heading = contextHeadingOf(request);
    lines.push(
      `<details><summary>${heading.title}</summary>`,
      '',
      `_${heading.note}_`,
      '',
      jsonBlock(context),
      '',
      '</details>',
      '',
    );
  }
  lines.push('### Why this needs a human', '');
  for (const rule of request.policyDecision.rules) {
    const description = ruleDescriptions[rule];
    lines.push(`- Rule ${code(rule)}${description ? ` — ${description}` : ''}`);
  }
  if (request.policyDecision.rules.length > 0) lines.push('');
  lines.push(`${request.policyDecision.reason} _(policy version ${versionText})_`, '');

  lines.push('### Who can approve', '', '| Rule | Approvals | Who can approve |', '|---|---|---|');
  for (const r of requirements) {
    const by = r.approvedBy.length > 0 ? ` — ${r.approvedBy.map(mentionOf).join(', ')}` : '';
    lines.push(
      `| ${code(r.rule)} | ${Math.min(r.approvedBy.length, r.count)} of ${r.count}${by} | ${describeApprovers(r.approvers)} |`,
    );
  }
  lines.push(
    '',
    `**Progress: ${approvals} of ${needed} approval${needed === 1 ? '' : 's'}**${
      approvedBy.length > 0 ? ` (approved so far by ${approvedBy.map(mentionOf).join(', ')})` : ''
    }. Each approval must come from a different person; one qualified \`/deny\` denies at once.`,
    ...renderVotesSection(review?.votes),
    '',
    '### How to answer',
    '',
    'Write a **new comment** whose first line is one of:',
    '',
    '```',
    '/approve optional reason',
    '/deny optional reason',
    '```',
    '',
    'Edited comments are never counted. Closing this issue without a decision **denies** the request.',
  );
  const blocked = requirements.some((r) => !r.allowRequester);
  if (blocked) {
    lines.push(
      'The requester and the person who delegated the task cannot approve their own request; bots never can.',
    );
  }
  const page = serverUrl ? consoleRequestUrl(serverUrl, request.id) : null;
  const follow = page ? `[${page}](${page})` : code(`GET /api/requests/${request.id}`);
  lines.push(
    '',
    '---',
    `<sub>For the requester: follow this request at ${follow} or with ${code(`agentgate wait ${request.id}`)}. This issue is kept up to date by AgentGate.</sub>`,
  );
  return lines.join('\n');
}
