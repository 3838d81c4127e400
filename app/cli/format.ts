/**
 * How the CLI shows things to people: aligned tables, one-line summaries, the waiting line.
 * The formatters are pure functions of their input (and "now"); `ProgressLine` is the one writer.
 */
import {
  type ApprovalRequest,
  type AuditEntry,
  isOverride,
  OVERRIDE_LABEL,
  type Pagination,
} from '../../sdk/index.js';
import type { CliOutput } from './cli-io.js';

/** Columns padded to their widest cell; the last column is not padded. */
function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `45s`, `23m`, `4h 5m`, `2d 3h`; negative spans read as `0s`. */
function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** `1 of 2 approvals`, summed over every requirement; null when no human review applies. */
function formatApprovals(request: ApprovalRequest): string | null {
  const requirements = request.review?.requirements ?? [];
  if (requirements.length === 0) return null;
  const needed = requirements.reduce((sum, r) => sum + r.count, 0);
  const got = requirements.reduce((sum, r) => sum + Math.min(r.count, r.approvedBy?.length ?? 0), 0);
  return `${got} of ${needed} approval${needed === 1 ? '' : 's'}`;
}

/** `waiting for req_… (pending, 1 of 2 approvals, expires in 23m)` */
export function formatProgress(request: ApprovalRequest, now: Date): string {
  const parts: string[] = [request.status];
  const approvals = formatApprovals(request);
  if (approvals) parts.push(approvals);
  if (request.expiresAt)
    parts.push(`expires in ${formatDuration(Date.parse(request.expiresAt) - now.getTime())}`);
  return `waiting for ${request.id} (${parts.join(', ')})`;
}

/** `api:ops (operator override)` for overrides, `decidedBy` otherwise. */
function formatDecider(request: ApprovalRequest): string {
  return `${request.decidedBy ?? ''}${isOverride(request) ? ` (${OVERRIDE_LABEL})` : ''}`;
}

/**
 * One line on how a final request was decided: `denied by github:alice: too risky`, or
 * `approved by api:ops (operator override): hotfix` when an operator overrode the review.
 */
export function formatOutcome(request: ApprovalRequest): string {
  const by = request.decidedBy ? ` by ${formatDecider(request)}` : '';
  const why = request.decisionReason ? `: ${request.decisionReason}` : '';
  return `${request.id} ${request.status}${by}${why}`;
}

export function formatRequestDetails(request: ApprovalRequest, now: Date): string {
  const rows: [string, string][] = [
    ['id', request.id],
    ['action', request.action],
    ['status', request.status],
    ['urgency', request.urgency],
  ];
  if (request.repository) rows.push(['repository', request.repository]);
  if (request.requester) rows.push(['requester', formatRequester(request)]);
  rows.push(['created', request.createdAt]);
  if (request.status === 'pending' && request.expiresAt) {
    rows.push([
      'expires',
      `${request.expiresAt} (in ${formatDuration(Date.parse(request.expiresAt) - now.getTime())})`,
    ]);
  } else if (request.decidedAt) {
    rows.push(['decided', request.decidedAt]);
  }
  if (request.decidedBy) rows.push(['decided by', formatDecider(request)]);
  if (request.decisionReason) rows.push(['reason', request.decisionReason]);
  if (request.policyDecision) {
    const rules = request.policyDecision.rules.length ? ` (${request.policyDecision.rules.join(', ')})` : '';
    rows.push(['policy', `${request.policyDecision.decision}${rules}`]);
  }
  const approvals = formatApprovals(request);
  if (approvals) {
    rows.push([
      'approvals',
      isOverride(request)
        ? `${approvals} (skipped by an ${OVERRIDE_LABEL} through the AgentGate API)`
        : approvals,
    ]);
  }
  if (request.review?.url) rows.push(['review', request.review.url]);
  rows.push(['params', JSON.stringify(request.params ?? {})]);
  if (request.context && Object.keys(request.context).length)
    rows.push(['context', JSON.stringify(request.context)]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`).join('\n');
}

export function formatRequestTable(requests: ApprovalRequest[], pagination: Pagination): string {
  if (requests.length === 0)
    return pagination.total ? `no requests on this page (${pagination.total} in all)` : 'no requests';
  const table = formatTable(
    ['ID', 'STATUS', 'ACTION', 'URGENCY', 'CREATED', 'DECIDED BY'],
    requests.map((r) => [r.id, r.status, r.action, r.urgency, r.createdAt, formatDecider(r)]),
  );
  const first = pagination.offset + 1;
  const last = pagination.offset + requests.length;
  return `${table}\n${first}–${last} of ${pagination.total}${pagination.hasMore ? ' (more with --offset)' : ''}`;
}

export function formatAuditTable(entries: AuditEntry[]): string {
  if (entries.length === 0) return 'no audit entries';
  return formatTable(
    ['TIME', 'EVENT', 'ACTOR', 'DETAILS'],
    entries.map((e) => [e.createdAt, e.eventType, e.actor, formatDetails(e.details)]),
  );
}

function formatDetails(details: Record<string, unknown>): string {
  return Object.entries(details ?? {})
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

function formatRequester(request: ApprovalRequest): string {
  const requester = request.requester;
  if (requester.type === 'api_key') return `api key ${requester.name}`;
  if (requester.type === 'github_deployment')
    return `GitHub deployment to ${requester.environment} in ${requester.repository} (run #${requester.runId}, by ${requester.actor})`;
  return `GitHub Actions ${requester.repository} (${requester.workflow} #${requester.runId}, by ${requester.actor})`;
}

/**
 * The waiting line on a terminal, redrawn every second so the expiry countdown stays true, and
 * cleared on Ctrl-C so the shell prompt starts on a clean line.
 */
export class ProgressLine {
  private last: ApprovalRequest | undefined;
  private readonly timer = setInterval(() => this.render(), 1000);
  private readonly onInterrupt = () => {
    this.stop();
    process.exit(130);
  };

  constructor(private readonly out: CliOutput) {
    this.timer.unref();
    process.once('SIGINT', this.onInterrupt);
  }

  update(request: ApprovalRequest): void {
    this.last = request;
    this.render();
  }

  stop(): void {
    clearInterval(this.timer);
    process.off('SIGINT', this.onInterrupt);
    if (this.last) this.out.write('\r\x1b[2K');
  }

  private render(): void {
    if (this.last?.status === 'pending') this.out.write(`\r\x1b[2K${formatProgress(this.last, new Date())}`);
  }
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
