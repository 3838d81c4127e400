/**
 * The Action's logic, free of `@actions/core`: ask for approval, say where to review and who can
 * approve, wait with progress lines, and return the outcome. `run.ts` turns inputs into these
 * arguments and the result into outputs, a summary and the step's status.
 */
import {
  type AgentGateClient,
  AgentGateError,
  type ApprovalRequest,
  type JsonObject,
  TimeoutError,
} from '../sdk/index.js';
import {
  describeApprovals,
  describeApprovers,
  describeOutcome,
  describeProgress,
  formatDuration,
} from './describe.js';
import type { ActionInputs } from './inputs.js';
import { contextOf, defaultIdempotencyKey, type RunContext } from './run-context.js';

export interface Log {
  info(line: string): void;
  warning(line: string): void;
}

export interface MainDeps {
  client: Pick<AgentGateClient, 'baseUrl' | 'request' | 'getRequest' | 'waitForDecision' | 'cancel'>;
  inputs: ActionInputs;
  run: RunContext;
  /** `GITHUB_ACTION`: the step's id within the job. */
  step?: string | undefined;
  log: Log;
  /** Aborted when the workflow run is cancelled (SIGINT/SIGTERM): the pending request is cancelled. */
  signal?: AbortSignal;
  /** Told the request id once it exists, and whether we are waiting on it (for the post step). */
  onState?: (state: { requestId: string; waiting: boolean }) => void;
  /** How often a progress line is printed while waiting (default 30 s). */
  progressEveryMs?: number;
  now?: () => number;
}

export interface MainResult {
  request: ApprovalRequest;
  /** Where to review: the GitHub issue or check run, else the request on the server. */
  url: string;
  /** Why the step fails, or null when it passes. */
  failure: string | null;
}

/** How long past the request's expiry we keep waiting for the server to mark it expired. */
const EXPIRY_GRACE_MS = 5 * 60_000;

export async function main(deps: MainDeps): Promise<MainResult> {
  const { client, inputs, log, signal, now = Date.now } = deps;
  const started = now();
  const body = {
    action: inputs.action,
    params: inputs.params,
    context: { ...contextOf(deps.run), ...inputs.context } as JsonObject,
    ...(inputs.urgency && { urgency: inputs.urgency }),
    ...(inputs.timeout !== undefined && { timeout: inputs.timeout }),
  };
  const idempotencyKey = inputs.idempotencyKey ?? defaultIdempotencyKey(deps.run, deps.step, body);
  let request = await client.request({ ...body, idempotencyKey, ...(signal && { signal }) });
  const willWait = request.status === 'pending' && inputs.wait;
  // Before anything is printed: from here on, a killed step leaves the post step a request to cancel.
  deps.onState?.({ requestId: request.id, waiting: willWait });
  // The GitHub issue or check run, else the request's page in the server's web console.
  const urlOf = (r: ApprovalRequest) => r.review?.url ?? consolePageOf(client.baseUrl, r.id);

  log.info(`AgentGate request ${request.id} for "${request.action}" (${client.baseUrl}).`);
  if (Date.parse(request.createdAt) < started - 10_000) {
    log.info(
      `This step already asked in this job attempt (idempotency key ${idempotencyKey}), ` +
        `at ${request.createdAt}: reusing that request.`,
    );
  }
  if (request.status === 'pending') announce(request, urlOf(request), log, client.baseUrl, now());
  else log.info(`Already ${describeOutcome(request)}.`);

  if (request.status === 'pending' && !inputs.wait) {
    log.info(`Not waiting (wait: false); the request stays pending. Its id is in the "request-id" output.`);
  }
  if (willWait) {
    try {
      request = await waitFor(deps, request, started);
    } catch (error) {
      if (!signal?.aborted) throw error;
      return { ...(await cancelBecauseCancelled(deps, request)), url: urlOf(request) };
    }
    deps.onState?.({ requestId: request.id, waiting: false });
    log.info(`Request ${request.id} was ${describeOutcome(request)}.`);
  }
  return { request, url: urlOf(request), failure: failureOf(request, inputs) };
}

/** The request's page in the server's web console (`/requests/:id`, docs/console.md). */
const consolePageOf = (baseUrl: string, id: string): string =>
  `${baseUrl.replace(/\/+$/, '')}/requests/${encodeURIComponent(id)}`;

function announce(request: ApprovalRequest, url: string, log: Log, baseUrl: string, now: number): void {
  const { policyDecision, review } = request;
  const rules = policyDecision.rules.length > 0 ? ` (rules: ${policyDecision.rules.join(', ')})` : '';
  log.info(`It needs a human decision${rules}: ${policyDecision.reason}`);
  const approvers = describeApprovers(review?.requirements ?? []);
  if (approvers.length > 0) {
    log.info('Who can approve:');
    for (const line of approvers) log.info(`  - ${line}`);
  }
  if (review?.url) {
    log.info(`Review it at ${url} (or in the AgentGate console: ${consolePageOf(baseUrl, request.id)})`);
  } else {
    log.info(
      `Review it at ${url} — or with the CLI: AGENTGATE_URL=${baseUrl} agentgate approve|deny ${request.id}` +
        ' (the GitHub issue or check run, when the server has a GitHub App, is linked here once open).',
    );
  }
  const left = Date.parse(request.expiresAt) - now;
  log.info(`It expires at ${request.expiresAt} (in ${formatDuration(left)}) unless decided.`);
}

async function waitFor(deps: MainDeps, request: ApprovalRequest, started: number): Promise<ApprovalRequest> {
  const { client, log, signal, now = Date.now } = deps;
  const every = deps.progressEveryMs ?? 30_000;
  let lastLine = now();
  let lastApprovals = describeApprovals(request.review?.requirements ?? []);
  let shownUrl = request.review?.url ?? null;
  const timeout = Math.max(0, Date.parse(request.expiresAt) - now()) + EXPIRY_GRACE_MS;
  try {
    return await client.waitForDecision(request.id, {
      timeout,
      ...(signal && { signal }),
      longPollSeconds: Math.min(60, Math.max(1, Math.floor(every / 1000))),
      onProgress: (current) => {
        if (current.status !== 'pending') return;
        if (current.review?.url && current.review.url !== shownUrl) {
          shownUrl = current.review.url;
          log.info(`Review it at ${shownUrl}`);
        }
        const approvals = describeApprovals(current.review?.requirements ?? []);
        if (approvals !== lastApprovals || now() - lastLine >= every * 0.9) {
          log.info(describeProgress(current, now() - started, now()));
          lastLine = now();
          lastApprovals = approvals;
        }
      },
    });
  } catch (error) {
    if (error instanceof TimeoutError && error.code === 'timeout') {
      throw new Error(
        `Request ${request.id} expired at ${request.expiresAt} but the server has not marked it decided or ` +
          `expired ${formatDuration(EXPIRY_GRACE_MS)} later; check the server (${client.baseUrl}/health).`,
      );
    }
    throw error;
  }
}

/** The workflow is being cancelled: withdraw the request so nobody approves a job that is gone. */
async function cancelBecauseCancelled(
  deps: MainDeps,
  request: ApprovalRequest,
): Promise<Omit<MainResult, 'url'>> {
  const { client, log } = deps;
  const cause = typeof deps.signal?.reason === 'string' ? ` (${deps.signal.reason})` : '';
  log.info(`The workflow run was cancelled${cause}: cancelling request ${request.id}.`);
  let final: ApprovalRequest;
  try {
    final = await client.cancel(request.id, { reason: 'The workflow run was cancelled.' });
    log.info(`Request ${request.id} cancelled.`);
  } catch (error) {
    // Decided in the meantime: nothing to withdraw; report what it became.
    if (!(error instanceof AgentGateError && error.code === 'conflict')) throw error;
    final = await client.getRequest(request.id);
    log.info(`Request ${request.id} was already ${describeOutcome(final)}.`);
  }
  deps.onState?.({ requestId: request.id, waiting: false });
  return {
    request: final,
    failure: `The workflow run was cancelled while waiting for a decision on ${request.id}.`,
  };
}

function failureOf(request: ApprovalRequest, inputs: ActionInputs): string | null {
  if (request.status === 'pending' || request.status === 'approved' || !inputs.failOnDenied) return null;
  return `Request ${request.id} (${request.action}) was ${describeOutcome(request)}.`;
}
